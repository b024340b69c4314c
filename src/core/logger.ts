import { type Logger, pino } from "pino";

export type { Logger };

export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Root logger: structured JSON on stdout. Children per bus and device: `log.child({ bus: id })`. */
export function createLogger(level: LogLevel = "info", destination?: NodeJS.WritableStream): Logger {
  return pino({ level, base: { app: "quarterhour" } }, destination ?? pino.destination({ sync: false }));
}

/** A silent logger for tests and CLI sub-commands that print their own output. */
export function silentLogger(): Logger {
  return pino({ level: "silent" });
}
