/**
 * The `quarterhour` command. Exit codes: 0 success; 2 bad usage or invalid config (the message
 * names the key path and the reason); 1 runtime failure.
 */
import { Command, CommanderError, Option } from "commander";
import { isQhError } from "../core/errors.js";
import { LOG_LEVELS } from "../core/logger.js";
import { VERSION } from "../gateway.js";
import { deviceAdd, deviceList, deviceRemove } from "./device.js";
import { outboxStats } from "./outbox.js";
import { registerSim } from "./sim.js";
import { startCommand } from "./start.js";

export const DEFAULT_CONFIG = "config/default.yaml";

/** Codes that mean the command line itself was wrong (exit 2), beside QH_CONFIG_* and QH_USAGE. */
const USAGE_CODES: ReadonlySet<string> = new Set([
  "QH_DEVICE_INVALID",
  "QH_DEVICE_EXISTS",
  "QH_DEVICE_UNKNOWN",
  "QH_DEVICE_SECRET_INVALID",
  "QH_DEVICE_UNDECLARED",
  "QH_MODEL_UNKNOWN",
]);

function exitCodeFor(err: unknown): number {
  if (isQhError(err))
    return err.code.startsWith("QH_CONFIG") || err.code === "QH_USAGE" || USAGE_CODES.has(err.code) ? 2 : 1;
  return 1;
}

export function report(err: unknown): never {
  if (isQhError(err)) {
    process.stderr.write(`error ${err.code}: ${err.message}\n  → ${err.hint}\n`);
  } else {
    process.stderr.write(`error: ${(err as Error)?.stack ?? String(err)}\n`);
  }
  process.exit(exitCodeFor(err));
}

const program = new Command("quarterhour")
  .description(
    "Edge gateway for the 15-minute living circle: lockers, cold lockers, vending → platform over MQTT",
  )
  .version(VERSION)
  .exitOverride()
  .showHelpAfterError();

const configOpt = () => new Option("-c, --config <file>", "config file").default(DEFAULT_CONFIG);

program
  .command("start")
  .description("run the gateway")
  .addOption(configOpt())
  .option("--data-dir <dir>", "data directory (overrides dataDir in the config)")
  .addOption(new Option("--log-level <level>", "log level").choices(LOG_LEVELS))
  .action(async (opts: { config: string; dataDir?: string; logLevel?: (typeof LOG_LEVELS)[number] }) => {
    await startCommand(opts);
  });

const device = program.command("device").description("provision MQTT device credentials");
device
  .command("add <id>")
  .description(
    "add a credential for an MQTT device declared in the config; prints a generated secret once when --secret is absent",
  )
  .option("--model <model>", "MQTT device model id (default: the model declared in the config)")
  .option("--secret <secret>", "use this secret instead of generating one")
  .addOption(configOpt())
  .option("--data-dir <dir>", "data directory")
  .action(async (id: string, opts: { model?: string; secret?: string; config: string; dataDir?: string }) => {
    await deviceAdd(id, opts);
  });
device
  .command("list")
  .description("list provisioned devices")
  .addOption(configOpt())
  .option("--data-dir <dir>", "data directory")
  .option("--json", "print JSON")
  .action((opts: { config: string; dataDir?: string; json?: boolean }) => deviceList(opts));
device
  .command("remove <id>")
  .description("remove a device's credential: it can no longer connect, and a live connection is closed")
  .addOption(configOpt())
  .option("--data-dir <dir>", "data directory")
  .action(async (id: string, opts: { config: string; dataDir?: string }) => {
    await deviceRemove(id, opts);
  });

program
  .command("outbox")
  .description("the event outbox")
  .command("stats")
  .description("pending, delivered, oldest pending age, bytes on disk")
  .addOption(configOpt())
  .option("--data-dir <dir>", "data directory")
  .option("--json", "print JSON")
  .action((opts: { config: string; dataDir?: string; json?: boolean }) => outboxStats(opts));

registerSim(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    process.exit(err.exitCode === 0 ? 0 : 2);
  }
  report(err);
}
