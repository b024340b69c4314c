import type { JsonObject } from "./envelope.js";

/** A command from the platform, as received on `R/cmd/{name}`. */
export interface Command {
  id: string;
  name: string;
  device?: string;
  args: JsonObject;
  /** ISO 8601 */
  expiresAt: string;
  sig?: string;
}

export type CommandStatus = "ok" | "rejected" | "expired" | "failed" | "duplicate";

export interface CommandResult {
  id: string;
  status: CommandStatus;
  result?: JsonObject;
  error?: { code: string; message: string };
}

export interface CommandContext {
  id: string;
  device?: string;
}

/**
 * A handler for one command name. Resolve with the result object (status "ok"); throw a QhError
 * for "failed" (its code and message travel in the result).
 */
export type CommandHandler = (args: JsonObject, ctx: CommandContext) => Promise<JsonObject>;
