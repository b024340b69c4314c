/**
 * The `quarterhour` command. Exit codes: 0 success; 2 bad usage or invalid config (the message
 * names the key path and the reason); 3 the store needs a person (missing, damaged or unwritable
 * database); 1 any other runtime failure. See report.ts.
 */
import { Command, CommanderError, Option } from "commander";
import { LOG_LEVELS } from "../core/logger.js";
import { VERSION } from "../gateway.js";
import { deviceAdd, deviceList, deviceRemove } from "./device.js";
import { outboxStats } from "./outbox.js";
import { report } from "./report.js";
import { registerSim } from "./sim.js";
import { startCommand } from "./start.js";
import { registerStore } from "./store.js";

export const DEFAULT_CONFIG = "config/default.yaml";

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
  .description("add a device; prints a generated secret once when --secret is absent")
  .requiredOption("--model <model>", "device model id (generic-mqtt or a model from devices/)")
  .option("--secret <secret>", "use this secret instead of generating one")
  .addOption(configOpt())
  .option("--data-dir <dir>", "data directory")
  .action(async (id: string, opts: { model: string; secret?: string; config: string; dataDir?: string }) => {
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
  .description("remove a device's credential (it can no longer connect)")
  .addOption(configOpt())
  .option("--data-dir <dir>", "data directory")
  .action((id: string, opts: { config: string; dataDir?: string }) => deviceRemove(id, opts));

program
  .command("outbox")
  .description("the event outbox")
  .command("stats")
  .description("pending, delivered, oldest pending age, bytes on disk")
  .addOption(configOpt())
  .option("--data-dir <dir>", "data directory")
  .option("--json", "print JSON")
  .action((opts: { config: string; dataDir?: string; json?: boolean }) => outboxStats(opts));

registerStore(program, configOpt);
registerSim(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    process.exit(err.exitCode === 0 ? 0 : 2);
  }
  report(err);
}
