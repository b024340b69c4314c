import { existsSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { createLogger, type LogFormat, type LogLevel } from "../core/logger.js";
import { extensionsFor } from "../extensions/index.js";
import { startGateway } from "../gateway.js";
import { configWriteTarget, type GatewayOpts, moveHint, readConfig } from "./common.js";
import { report, toQhError } from "./report.js";

/**
 * `quarterhour start`: reads the config (exit 2 on a bad one, nothing started), checks every
 * listening port (QH_PORT_IN_USE, exit 2), runs the gateway until SIGTERM/SIGINT, then stops it
 * in order and exits 0. `flags` are the gateway options as given (see gatewayFlags), repeated in
 * the hint that tells how to drive the demo.
 */
export async function startCommand(
  opts: GatewayOpts & { logLevel?: LogLevel; logFormat?: LogFormat },
  flags: string[] = [],
): Promise<void> {
  const config = readConfig(opts); // exit 2 on a bad config, before anything starts
  const log = createLogger(opts.logLevel ?? config.log.level, undefined, opts.logFormat ?? "auto");
  const gw = await startGateway({
    config,
    log,
    extensions: extensionsFor(config),
    portHint: moveHint,
    configFile: configWriteTarget(opts, config),
  });
  const target = configWriteTarget(opts, config);
  if (target.base && existsSync(target.path))
    log.info({ file: target.path }, `using ${target.path}: the demo config as changed from the console`);
  if (config.simulate && config.buses.length > 0) {
    const f = flags.length > 0 ? ` ${flags.join(" ")}` : "";
    log.info(`try it: npx quarterhour sim courier-deposit${f}   (from another terminal)`);
  }
  // Last resort: whatever escapes at run time (an SQLite error from a damaged page, say) ends
  // the process as a coded error with its exit code (3 for a store that needs a person), no stack.
  process.on("uncaughtException", (err) => {
    const e = toQhError(err);
    const stack = e.code === "QH_INTERNAL" ? (err as Error)?.stack : undefined; // a bug: keep it for the report
    log.fatal({ code: e.code, err: e.message, stack }, "fatal error: exiting");
    log.flush();
    report(e);
  });
  let firstSignalAt: number | undefined;
  const onSignal = (sig: string) => {
    if (firstSignalAt !== undefined) {
      // Ctrl-C under `npm start` delivers SIGINT twice (the terminal signals the whole process
      // group, and npm forwards it): an echo within a second is the same request, not "hurry".
      if (performance.now() - firstSignalAt < 1000) return;
      log.warn({ sig }, "second signal: exiting now");
      process.exit(1);
    }
    firstSignalAt = performance.now();
    log.info({ sig }, "signal received: shutting down");
    gw.stop().then(
      () => {
        log.flush();
        process.exit(0);
      },
      (err: Error) => {
        log.error({ err: err.message }, "shutdown failed");
        log.flush();
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", () => onSignal("SIGTERM"));
  process.on("SIGINT", () => onSignal("SIGINT"));
}
