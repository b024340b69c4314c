import { createLogger, type LogLevel } from "../core/logger.js";
import { startGateway } from "../gateway.js";
import { readConfig } from "./common.js";
import { extensionsFor } from "./extensions.js";
import { report, toQhError } from "./report.js";

export async function startCommand(opts: {
  config: string;
  dataDir?: string;
  logLevel?: LogLevel;
}): Promise<void> {
  const config = readConfig(opts); // exit 2 on a bad config, before anything starts
  const log = createLogger(opts.logLevel ?? config.log.level);
  const gw = await startGateway({ config, log, extensions: extensionsFor(config) });
  // Last resort: whatever escapes at run time (an SQLite error from a damaged page, say) ends
  // the process as a coded error with its exit code (3 for a store that needs a person), no stack.
  process.on("uncaughtException", (err) => {
    const e = toQhError(err);
    const stack = e.code === "QH_INTERNAL" ? (err as Error)?.stack : undefined; // a bug: keep it for the report
    log.fatal({ code: e.code, err: e.message, stack }, "fatal error: exiting");
    log.flush();
    report(e);
  });
  let signals = 0;
  const onSignal = (sig: string) => {
    signals++;
    if (signals > 1) {
      log.warn({ sig }, "second signal: exiting now");
      process.exit(1);
    }
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
