import { createLogger, type LogLevel } from "../core/logger.js";
import { startGateway } from "../gateway.js";
import { readConfig } from "./common.js";
import { extensionsFor } from "./extensions.js";

export async function startCommand(opts: {
  config: string;
  dataDir?: string;
  logLevel?: LogLevel;
}): Promise<void> {
  const config = readConfig(opts); // exit 2 on a bad config, before anything starts
  const log = createLogger(opts.logLevel ?? config.log.level);
  const gw = await startGateway({ config, log, extensions: extensionsFor(config) });
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
