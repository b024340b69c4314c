import { type Logger, pino } from "pino";

export type { Logger };

export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** `json`: one JSON object per line; `pretty`: pino-pretty for a person; `auto`: pretty on a TTY. */
export const LOG_FORMATS = ["auto", "json", "pretty"] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/** Whether `auto` means pretty here: stdout is a terminal (a person is reading). */
export function resolveLogFormat(
  format: LogFormat,
  stdoutIsTty: boolean = process.stdout.isTTY === true,
): "json" | "pretty" {
  if (format !== "auto") return format;
  return stdoutIsTty ? "pretty" : "json";
}

/**
 * Root logger on stdout: structured JSON lines (journald, files, pipes) or, when `format` resolves
 * to pretty, pino's pretty transport (pino-pretty in a worker thread, colours, local time).
 * Children per bus and device: `log.child({ bus: id })`. An explicit `destination` always gets JSON.
 */
export function createLogger(
  level: LogLevel = "info",
  destination?: NodeJS.WritableStream,
  format: LogFormat = "json",
): Logger {
  const base = { app: "quarterhour" };
  if (!destination && resolveLogFormat(format) === "pretty") {
    return pino({
      level,
      base,
      transport: {
        target: "pino-pretty",
        options: { destination: 1, translateTime: "SYS:HH:MM:ss.l", ignore: "pid,hostname,app" },
      },
    });
  }
  return pino({ level, base }, destination ?? pino.destination({ sync: false }));
}

/** A silent logger for tests and CLI sub-commands that print their own output. */
export function silentLogger(): Logger {
  return pino({ level: "silent" });
}
