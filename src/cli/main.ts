/**
 * The `quarterhour` command. Exit codes: 0 success; 2 bad usage, invalid config (the message
 * names the key path and the reason) or a listening port in use (named by its key); 3 the store
 * needs a person (missing, damaged or unwritable database); 1 any other runtime failure. Every
 * error is printed as `error QH_CODE: message` and a line saying what to do (see report.ts).
 */
import { readFileSync } from "node:fs";
import { Command, CommanderError, Option } from "commander";
import { LOG_FORMATS, LOG_LEVELS, type LogFormat, type LogLevel } from "../core/logger.js";
import { type GatewayOpts, gatewayFlags, gatewayOptions } from "./common.js";
import { registerDex } from "./dex-commands.js";
import { type DoorTestOpts, parseLocks, parseWhole, type ScanOpts } from "./ops-args.js";
import { report } from "./report.js";
import { registerSim } from "./sim-commands.js";
import { registerStore } from "./store.js";
import { registerVend } from "./vend-commands.js";

// Each command's module is imported when it runs: `config check` or `sim` need not load the
// gateway (fastify, aedes, the locker) first.
const VERSION: string = (
  JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }
).version;

export { DEFAULT_CONFIG } from "./common.js";
export { exitCodeFor, report } from "./report.js";

const program = new Command("quarterhour")
  .description(
    "Edge gateway for the 15-minute living circle: lockers, cold lockers, vending → platform over MQTT",
  )
  .version(VERSION)
  .exitOverride()
  .configureOutput({
    // commander's own usage errors get the catalogue's code and hint like every other error
    outputError: (str, write) =>
      write(`${str.replace(/^error: /, "error QH_USAGE: ").trimEnd()}\n  → Run \`quarterhour --help\`.\n`),
  })
  .showHelpAfterError("(add --help for usage)");

gatewayOptions(
  program
    .command("start")
    .description("run the gateway")
    .addOption(new Option("--log-level <level>", "log level").choices(LOG_LEVELS))
    .addOption(
      new Option("--log-format <format>", "auto: pretty on a terminal, JSON otherwise")
        .choices(LOG_FORMATS)
        .env("QH_LOG_FORMAT")
        .default("auto"),
    ),
).action(async (opts: GatewayOpts & { logLevel?: LogLevel; logFormat?: LogFormat }, cmd: Command) => {
  await (await import("./start.js")).startCommand(opts, gatewayFlags(cmd));
});

const config = program.command("config").description("check or show a config without starting anything");
gatewayOptions(
  config.command("check").description("validate the config: exit 0, or 2 with every problem and its key"),
).action(async (opts: GatewayOpts) => (await import("./config.js")).configCheck(opts));
gatewayOptions(
  config
    .command("show")
    .description("print the effective config (defaults filled in, secrets masked)")
    .option("--json", "print JSON"),
).action(async (opts: GatewayOpts & { json?: boolean }) => (await import("./config.js")).configShow(opts));

const device = program.command("device").description("provision MQTT device credentials");
gatewayOptions(
  device
    .command("add <id>")
    .description(
      "add a credential for an MQTT device declared in the config; prints a generated secret once when --secret is absent",
    )
    .option("--model <model>", "MQTT device model id (default: the model declared in the config)")
    .option("--secret <secret>", "use this secret instead of generating one"),
).action(async (id: string, opts: GatewayOpts & { model?: string; secret?: string }) => {
  await (await import("./device.js")).deviceAdd(id, opts);
});
gatewayOptions(
  device.command("list").description("list provisioned devices").option("--json", "print JSON"),
).action(async (opts: GatewayOpts & { json?: boolean }) => (await import("./device.js")).deviceList(opts));
gatewayOptions(
  device
    .command("remove <id>")
    .description("remove a device's credential: it can no longer connect, and a live connection is closed"),
).action(async (id: string, opts: GatewayOpts) => (await import("./device.js")).deviceRemove(id, opts));

gatewayOptions(
  program
    .command("outbox")
    .description("the event outbox")
    .command("stats")
    .description("pending, delivered, oldest pending age, bytes on disk")
    .option("--json", "print JSON"),
).action(async (opts: GatewayOpts & { json?: boolean }) => (await import("./outbox.js")).outboxStats(opts));

const locker = program.command("locker").description("the parcel lockers");
gatewayOptions(
  locker
    .command("compartments")
    .description("every compartment: size, state, door, parcel (from the running gateway, or the database)")
    .option("--device <id>", "only this locker bank")
    .option("--json", "print JSON"),
).action(async (opts: GatewayOpts & { device?: string; json?: boolean }) => {
  await (await import("./locker.js")).lockerCompartments(opts);
});

const cold = program.command("cold").description("the cold chain: zones and their temperature record");
gatewayOptions(
  cold
    .command("export")
    .description("a zone's temperature record, streamed to stdout (read-only)")
    .requiredOption("--zone <id>", "the zone (cold.zones[].id)")
    .requiredOption("--from <iso>", "from this time, ISO 8601 (e.g. 2026-01-01T00:00:00Z)")
    .requiredOption("--to <iso>", "to this time, ISO 8601")
    .addOption(new Option("--format <format>", "csv or json").choices(["csv", "json"]).default("csv")),
).action(async (opts: GatewayOpts & { zone: string; from: string; to: string; format: string }) => {
  await (await import("./cold.js")).coldExport(opts);
});

const terminal = program.command("terminal").description("kiosk terminals: pair a screen, revoke it");
gatewayOptions(
  terminal
    .command("pair <terminal>")
    .description("print a one-time pairing code (10 minutes) to enter on the terminal's kiosk screen")
    .option("--json", "print JSON"),
).action(async (id: string, opts: GatewayOpts & { json?: boolean }) =>
  (await import("./terminal.js")).terminalPair(id, opts),
);
gatewayOptions(
  terminal
    .command("revoke <terminal>")
    .description("revoke the terminal's credential: its screen must pair again")
    .option("--json", "print JSON"),
).action(async (id: string, opts: GatewayOpts & { json?: boolean }) =>
  (await import("./terminal.js")).terminalRevoke(id, opts),
);

const bus = program.command("bus").description("serial lines: commissioning");
gatewayOptions(
  bus
    .command("scan <bus>")
    .description(
      "probe every address of a line through the running gateway (reads only) and print who answers; exit 0 when the scan finished",
    )
    .option("--from <n>", "first address (default: the protocol's first)", parseWhole)
    .option("--to <n>", "last address (default: the protocol's last)", parseWhole),
).action(async (id: string, opts: ScanOpts) => (await import("./ops.js")).busScan(id, opts));
gatewayOptions(
  program
    .command("door-test <bank>")
    .description(
      "open each door of a locker bank once, wait for it to read open then shut (shut each door by hand), store a report; exit 0 when every door tested is ok, 1 otherwise",
    )
    .option(
      "--locks <list>",
      "only these locks, e.g. 1,2,5 (a compartment with a parcel is tested only when named)",
      parseLocks,
    )
    .option("--open-timeout <s>", "seconds to wait for a door to read open (default 10)", parseWhole)
    .option("--close-timeout <s>", "seconds to wait for a door to read shut (default 60)", parseWhole),
).action(async (id: string, opts: DoorTestOpts) => (await import("./ops.js")).doorTest(id, opts));
const trace = program.command("trace").description("traceability: GS1 lots, where they went");
gatewayOptions(
  trace
    .command("lot")
    .description(
      "where a lot went: where it is still held, loads, vends, parcels, bundles, cold chain (reads the store; gateway running or not)",
    )
    .argument("<gtin>", "the GTIN, 8, 12, 13 or 14 digits")
    .argument("<lot>", "the lot, as (10) on the label")
    .option("--json", "print JSON"),
).action(async (gtin: string, lot: string, opts: GatewayOpts & { json?: boolean }) => {
  await (await import("./trace.js")).traceLotCli(gtin, lot, opts);
});

registerStore(program, gatewayOptions);
registerSim(program);
registerDex(program);
registerVend(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    process.exit(err.exitCode === 0 ? 0 : 2);
  }
  report(err);
}
