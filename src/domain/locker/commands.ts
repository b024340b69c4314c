import type { CommandContext, CommandHandler } from "../../core/command.js";
import { DEVICE_ID_RE, isJsonObject, type JsonObject } from "../../core/envelope.js";
import { QhError } from "../../core/errors.js";
import { type CourierCodeInput, isValidCourierCode, isValidPickupCode } from "./codes.js";
import { COMPARTMENT_SIZES, type CompartmentRef, isCompartmentSize } from "./ports.js";
import type { ReserveInput } from "./reservations.js";
import type { ReservationView } from "./types.js";

/** What the command handlers drive (the LockerService). */
export interface LockerCommandTarget {
  remoteOpen(ref: CompartmentRef, reason: string, commandId?: string): Promise<JsonObject>;
  disable(ref: CompartmentRef, reason?: string): Promise<JsonObject>;
  enable(ref: CompartmentRef, reason?: string): Promise<JsonObject>;
  cancelParcel(parcelId: string, force?: boolean): Promise<JsonObject>;
  reserve(input: ReserveInput): Promise<ReservationView>;
  setCourierCodes(couriers: readonly CourierCodeInput[]): number;
}

export const LOCKER_COMMANDS = [
  "locker.open",
  "compartment.disable",
  "compartment.enable",
  "parcel.cancel",
  "locker.reserve",
  "courier.codes.set",
] as const;

/**
 * The platform's commands for the locker. Expiry, the ledger (never twice), signatures and the
 * "outcome unknown after a crash" rule are the command router's; these validate their args
 * (QH_COMMAND_INVALID naming the arg), act, and answer with a result object.
 *
 * - locker.open          { device?, compartment, reason }        device defaults to the command's
 * - compartment.disable  { device?, compartment, reason? }
 * - compartment.enable   { device?, compartment, reason? }
 * - parcel.cancel        { parcelId, force? }
 * - locker.reserve       { orderId, size, pickupCode, deadline }  deadline: ISO 8601 or epoch ms
 * - courier.codes.set    { couriers: [{ id, code }] }             replaces the whole set
 */
export function createLockerCommands(target: LockerCommandTarget): Record<string, CommandHandler> {
  return {
    "locker.open": async (args, ctx) =>
      target.remoteOpen(ref(args, ctx), text(args, "reason", { max: 200 }) as string, ctx.id),
    "compartment.disable": async (args, ctx) =>
      target.disable(ref(args, ctx), text(args, "reason", { max: 200, optional: true })),
    "compartment.enable": async (args, ctx) =>
      target.enable(ref(args, ctx), text(args, "reason", { max: 200, optional: true })),
    "parcel.cancel": async (args) => {
      const force = args.force;
      if (force !== undefined && typeof force !== "boolean") invalid("force", "must be a boolean");
      return target.cancelParcel(text(args, "parcelId", { max: 64 }) as string, force === true);
    },
    "locker.reserve": async (args, ctx) => {
      const size = args.size;
      if (!isCompartmentSize(size)) invalid("size", `must be one of ${COMPARTMENT_SIZES.join(", ")}`);
      const pickupCode = args.pickupCode;
      if (!isValidPickupCode(pickupCode)) invalid("pickupCode", "must be a string of 4-12 digits");
      const input: ReserveInput = {
        orderId: text(args, "orderId", { max: 64 }) as string,
        size,
        pickupCode,
        deadline: time(args, "deadline"),
      };
      if (ctx.device !== undefined) input.device = ctx.device;
      return { ...(await target.reserve(input)) };
    },
    "courier.codes.set": async (args) => {
      const list = args.couriers;
      if (!Array.isArray(list) || list.length > 10_000)
        invalid("couriers", "must be an array of at most 10000");
      const ids = new Set<string>();
      const couriers: CourierCodeInput[] = list.map((c: unknown, i: number) => {
        if (!isJsonObject(c)) invalid(`couriers[${i}]`, "must be an object { id, code }");
        const id = c.id;
        if (typeof id !== "string" || id.length === 0 || id.length > 64) {
          invalid(`couriers[${i}].id`, "must be a string of 1-64 characters");
        }
        if (ids.has(id)) invalid(`couriers[${i}].id`, `${id} appears twice`);
        ids.add(id);
        if (!isValidCourierCode(c.code)) invalid(`couriers[${i}].code`, "must be 4-32 letters or digits");
        return { id, code: c.code };
      });
      return { count: target.setCourierCodes(couriers) };
    },
  };
}

function invalid(arg: string, why: string): never {
  throw new QhError("QH_COMMAND_INVALID", `args.${arg}: ${why}`);
}

function text(args: JsonObject, key: string, opts: { max: number; optional?: boolean }): string | undefined {
  const v = args[key];
  if (v === undefined && opts.optional) return undefined;
  if (typeof v !== "string" || v.length === 0 || v.length > opts.max) {
    invalid(key, `must be a string of 1-${opts.max} characters`);
  }
  return v;
}

function ref(args: JsonObject, ctx: CommandContext): CompartmentRef {
  const device = args.device ?? ctx.device;
  if (typeof device !== "string" || !DEVICE_ID_RE.test(device))
    invalid("device", "must be a locker device id");
  const compartment = text(args, "compartment", { max: 32 }) as string;
  return { device, compartment };
}

function time(args: JsonObject, key: string): number {
  const v = args[key];
  const ms = typeof v === "number" ? v : typeof v === "string" ? Date.parse(v) : Number.NaN;
  if (!Number.isFinite(ms)) invalid(key, "must be an ISO 8601 time or epoch milliseconds");
  return ms;
}
