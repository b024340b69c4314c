import type { JsonObject } from "./envelope.js";
import type { QhError } from "./errors.js";

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
  /** `hint`: what to do about it, from the error catalogue (src/core/errors.ts), when the code is in it */
  error?: { code: string; message: string; hint?: string };
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

const refusals = new WeakSet<object>();

/**
 * Mark a handler's error as a refusal of the command as given (it names a machine, zone or slot
 * this gateway does not have, or args the domain cannot use), thrown before anything moved: the
 * router answers it `rejected`, keeping its code (QH_PLANOGRAM_SLOT_UNKNOWN…), not `failed`.
 * QH_COMMAND_INVALID is always a refusal. Returns the same error, for `throw refusal(err)`.
 */
export function refusal<E extends QhError>(err: E): E {
  refusals.add(err);
  return err;
}

/** Whether `err` was marked by refusal(). */
export function isRefusal(err: unknown): boolean {
  return typeof err === "object" && err !== null && refusals.has(err);
}

const LEDGER_AFTER = Symbol("qh.ledgerAfter");

/**
 * Mark a handler whose own state already refuses a second run (e.g. `vend.authorize.result`: the
 * reader answers one pending request once; after a restart nothing is pending): the command
 * router then records it in the ledger after it ran, not before, so no ledger write (an fsync
 * with store.fsync inline) sits between the command and what it does. Duplicates are still
 * answered from the ledger and while it runs. Never for a handler that moves something on a
 * replay (a door): those keep the ledger's "started" row first.
 */
export function ledgerAfterRun(h: CommandHandler): CommandHandler {
  return Object.assign(h, { [LEDGER_AFTER]: true });
}

/** Whether `ledgerAfterRun` marked the handler. */
export function isLedgerAfterRun(h: CommandHandler): boolean {
  return (h as unknown as Record<symbol, unknown>)[LEDGER_AFTER] === true;
}
