import type { CommandContext, CommandHandler } from "../../core/command.js";
import { DEVICE_ID_RE, isJsonObject, type JsonObject } from "../../core/envelope.js";
import { QhError } from "../../core/errors.js";
import { parseInstant } from "../../core/iso-time.js";
import {
  CODE_ROLES,
  type CodeRole,
  type CourierCodeInput,
  isValidCourierCode,
  isValidPickupCode,
} from "./codes.js";
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
  /** codeLength: the fewest digits a platform-chosen pickup code may have (the guessing guard's figure). */
  readonly settings: { readonly codeLength: number };
  /** The locker bank device ids of the site. */
  lockerDevices(): readonly string[];
  /** Whether the compartment exists in the site's layout. */
  hasCompartment(ref: CompartmentRef): boolean;
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
 * (QH_COMMAND_INVALID naming **every** bad arg at once, which the router answers `rejected`), act,
 * and answer with a result object.
 *
 * - locker.open          { device?, compartment, reason }        device: args.device, else the
 *                                                                command's device, else the
 *                                                                site's only locker bank
 * - compartment.disable  { device?, compartment, reason? }
 * - compartment.enable   { device?, compartment, reason? }
 * - parcel.cancel        { parcelId, force? }
 * - locker.reserve       { orderId, size, pickupCode, deadline }  deadline: ISO 8601 or epoch ms;
 *                                                                pickupCode: codeLength-12 digits
 * - courier.codes.set    { couriers: [{ id, code }] }             replaces the whole set
 */
export function createLockerCommands(target: LockerCommandTarget): Record<string, CommandHandler> {
  return {
    "locker.open": async (args, ctx) => {
      const p = new Problems();
      const where = ref(p, target, args, ctx);
      const reason = text(p, args, "reason", { max: 200 }) as string;
      p.check();
      return target.remoteOpen(where, reason, ctx.id);
    },
    "compartment.disable": async (args, ctx) => {
      const p = new Problems();
      const where = ref(p, target, args, ctx);
      const reason = text(p, args, "reason", { max: 200, optional: true });
      p.check();
      return target.disable(where, reason);
    },
    "compartment.enable": async (args, ctx) => {
      const p = new Problems();
      const where = ref(p, target, args, ctx);
      const reason = text(p, args, "reason", { max: 200, optional: true });
      p.check();
      return target.enable(where, reason);
    },
    "parcel.cancel": async (args) => {
      const p = new Problems();
      const force = args.force;
      if (force !== undefined && typeof force !== "boolean") p.add("force", "must be a boolean");
      const parcelId = text(p, args, "parcelId", { max: 64 }) as string;
      p.check();
      return target.cancelParcel(parcelId, force === true);
    },
    "locker.reserve": async (args, ctx) => {
      const p = new Problems();
      const size = args.size;
      if (!isCompartmentSize(size)) p.add("size", `must be one of ${COMPARTMENT_SIZES.join(", ")}`);
      const pickupCode = args.pickupCode;
      const min = target.settings.codeLength;
      if (!isValidPickupCode(pickupCode) || pickupCode.length < min) {
        // a shorter code would be guessed sooner than docs/locker.md's figure says
        p.add("pickupCode", `must be a string of ${min}-12 digits (locker.codeLength is ${min})`);
      }
      const orderId = text(p, args, "orderId", { max: 64 }) as string;
      const deadline = time(p, args, "deadline");
      p.check();
      const input: ReserveInput = {
        orderId,
        size: size as ReserveInput["size"],
        pickupCode: pickupCode as string,
        deadline,
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
        if (!isJsonObject(c)) invalid(`couriers[${i}]`, "must be an object { id, code, roles? }");
        for (const k of Object.keys(c))
          if (k !== "id" && k !== "code" && k !== "roles")
            invalid(`couriers[${i}].${k}`, "unknown field (id, code, roles)");
        const id = c.id;
        if (typeof id !== "string" || id.length === 0 || id.length > 64) {
          invalid(`couriers[${i}].id`, "must be a string of 1-64 characters");
        }
        if (ids.has(id)) invalid(`couriers[${i}].id`, `${id} appears twice`);
        ids.add(id);
        if (!isValidCourierCode(c.code)) invalid(`couriers[${i}].code`, "must be 4-32 letters or digits");
        const roles = c.roles;
        if (
          roles !== undefined &&
          (!Array.isArray(roles) ||
            roles.length === 0 ||
            roles.some((r) => !CODE_ROLES.includes(r as CodeRole)) ||
            new Set(roles).size !== roles.length)
        )
          invalid(`couriers[${i}].roles`, "must be a non-empty list of courier, volunteer (no repeats)");
        return { id, code: c.code, ...(roles ? { roles: roles as CodeRole[] } : {}) };
      });
      return { count: target.setCourierCodes(couriers) };
    },
  };
}

function invalid(arg: string, why: string): never {
  throw new QhError("QH_COMMAND_INVALID", `args.${arg}: ${why}`);
}

/** Every problem of one command's args, thrown together (QH_COMMAND_INVALID, `; `-separated). */
class Problems {
  readonly list: string[] = [];
  add(arg: string, why: string): void {
    this.list.push(`args.${arg}: ${why}`);
  }
  check(): void {
    if (this.list.length > 0) {
      throw new QhError("QH_COMMAND_INVALID", this.list.join("; "), { problems: this.list });
    }
  }
}

function text(
  p: Problems,
  args: JsonObject,
  key: string,
  opts: { max: number; optional?: boolean },
): string | undefined {
  const v = args[key];
  if (v === undefined && opts.optional) return undefined;
  if (typeof v !== "string" || v.length === 0 || v.length > opts.max) {
    p.add(key, v === undefined ? "is required" : `must be a string of 1-${opts.max} characters`);
    return undefined;
  }
  return v;
}

/** The compartment a command names: args.device, else the command's device, else the only bank. */
function ref(
  p: Problems,
  target: LockerCommandTarget,
  args: JsonObject,
  ctx: CommandContext,
): CompartmentRef {
  const banks = target.lockerDevices();
  let device = args.device ?? ctx.device;
  if (device === undefined) {
    if (banks.length === 1) device = banks[0];
    else p.add("device", `is required on a site with ${banks.length} locker banks (${banks.join(", ")})`);
  } else if (typeof device !== "string" || !DEVICE_ID_RE.test(device) || !banks.includes(device)) {
    p.add("device", `must be a locker bank of this site (${banks.join(", ") || "none"})`);
    device = undefined;
  }
  const compartment = text(p, args, "compartment", { max: 32 });
  if (
    typeof device === "string" &&
    compartment !== undefined &&
    !target.hasCompartment({ device, compartment })
  ) {
    p.add("compartment", `no compartment ${compartment} in ${device}`);
  }
  return { device: device as string, compartment: compartment as string };
}

function time(p: Problems, args: JsonObject, key: string): number {
  const v = args[key];
  const ms = parseInstant(v);
  if (ms === undefined)
    p.add(key, "must be an ISO 8601 time with a zone and a real calendar date, or epoch milliseconds");
  return ms ?? Number.NaN;
}
