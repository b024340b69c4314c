/**
 * Rationed vending's platform commands (issue 11; expiry, ledger and signatures are the router's):
 *
 * - vend.essentials { device?, slots: [{ slot, limitPerHousehold }] }  replace a machine's
 *   essentials (`slots: []` clears them); each slot must be in the planogram
 *   (QH_PLANOGRAM_SLOT_UNKNOWN); `limitPerHousehold` 1-1000 a local day.
 * - vend.session gains `household` (the gateway's one household id rule, src/domain/site/
 *   household.ts: NFKC, trimmed, a letter or digit then `A-Z a-z 0-9 . _ : -`, 1-64, stored lower
 *   case; else QH_COMMAND_INVALID naming the rule): required in emergency mode
 *   (QH_VEND_HOUSEHOLD_REQUIRED), optional otherwise; bound to the session's paymentRef.
 * - vend.prices in emergency mode: a price above the slot's normal price is refused
 *   (QH_VEND_PRICE_CAP, nothing written); lower prices pass.
 * The wrapped handlers are the vending and stock parts' own (commands.ts, stock-commands.ts).
 */
import { type CommandContext, type CommandHandler, refusal } from "../../core/command.js";
import { isJsonObject, type JsonObject } from "../../core/envelope.js";
import { QhError } from "../../core/errors.js";
import { HOUSEHOLD_RULE, parseHousehold } from "../site/household.js";
import type { Rationing } from "./ration.js";

/** The most a household may be allowed of one essential a day. */
export const LIMIT_MAX = 1000;

/** The machine a command names: args.device, else the command's device, else the only one. */
function machineOf(args: JsonObject, ctx: CommandContext, machines: readonly string[]): string | undefined {
  const d = args.device ?? ctx.device;
  if (typeof d === "string") return d;
  return machines.length === 1 ? machines[0] : undefined;
}

/**
 * `vend.essentials`, and `vend.session` / `vend.prices` wrapped with the emergency rules.
 * @param inner the vending and stock parts' handlers (those absent stay absent)
 * @param machines the site's vending machines
 */
export function rationCommands(
  ration: Rationing,
  inner: Record<string, CommandHandler>,
  machines: readonly string[],
  now: () => number,
): Record<string, CommandHandler> {
  const out: Record<string, CommandHandler> = {};
  const session = inner["vend.session"];
  if (session)
    out["vend.session"] = async (args, ctx) => {
      const { household: given, ...rest } = args;
      // the one household rule of the gateway (site/household.ts), as distribution.load's
      const household = given === undefined ? undefined : (parseHousehold(given) ?? null);
      if (household === null)
        throw refusal(new QhError("QH_COMMAND_INVALID", `args.household: must be ${HOUSEHOLD_RULE}`));
      if (household === undefined && ration.emergency())
        throw refusal(
          new QhError(
            "QH_VEND_HOUSEHOLD_REQUIRED",
            "the site is in emergency mode: a pay-first session must name its household (args.household)",
          ),
        );
      const device = machineOf(args, ctx, machines);
      // bound before the session begins: a vend request may follow the machine's credit at once
      const ref = args.paymentRef;
      const bound =
        typeof household === "string" && typeof ref === "string" && device !== undefined
          ? ration.store.bindHousehold(ref, household, device, now())
          : false;
      let r: JsonObject;
      try {
        r = await session(rest, ctx);
      } catch (err) {
        // the session never began: the reference is free again, so is its binding
        if (bound) ration.store.unbindHousehold(ref as string);
        throw err;
      }
      return typeof household === "string" ? { ...r, household } : r;
    };
  const prices = inner["vend.prices"];
  if (prices)
    out["vend.prices"] = async (args, ctx) => {
      // the machine as the stock handler resolves it (args.device, the command's device, else the
      // planogram's only machine); unresolved here, every machine the price could land on is
      // checked, so no path raises a price above its normal one in emergency
      const named = args.device ?? ctx.device;
      const candidates =
        typeof named === "string" ? [named] : [...new Set([...machines, ...ration.planogramMachines()])];
      if (ration.emergency() && Array.isArray(args.prices)) {
        const over: string[] = [];
        for (const e of args.prices) {
          if (!isJsonObject(e) || !Number.isInteger(e.slot) || !Number.isInteger(e.price)) continue;
          for (const device of candidates) {
            const normal = ration.normalPrice(device, e.slot as number);
            if (normal !== undefined && (e.price as number) > normal)
              over.push(
                `${candidates.length > 1 ? `${device} ` : ""}slot ${e.slot}: ${e.price} > normal ${normal}`,
              );
          }
        }
        if (over.length > 0)
          throw refusal(
            new QhError(
              "QH_VEND_PRICE_CAP",
              `emergency mode: prices above their normal value (${over.join("; ")})`,
            ),
          );
      }
      return prices(args, ctx);
    };
  out["vend.essentials"] = async (args, ctx) => {
    const problems: string[] = [];
    for (const k of Object.keys(args))
      if (k !== "device" && k !== "slots") problems.push(`args.${k}: not an argument of vend.essentials`);
    if (args.device !== undefined && typeof args.device !== "string") problems.push("args.device: a string");
    const device = machineOf(args, ctx, machines);
    if (device === undefined)
      problems.push(`args.device: which vending machine (${machines.join(", ") || "none"})`);
    const list: { slot: number; limitPerHousehold: number }[] = [];
    if (!Array.isArray(args.slots) || args.slots.length > 1000)
      problems.push("args.slots: an array of 0-1000 { slot, limitPerHousehold }");
    else
      args.slots.forEach((e, i) => {
        if (!isJsonObject(e) || Object.keys(e).some((k) => k !== "slot" && k !== "limitPerHousehold")) {
          problems.push(`args.slots[${i}]: an object { slot, limitPerHousehold }`);
          return;
        }
        const { slot, limitPerHousehold: l } = e;
        if (!Number.isInteger(slot) || (slot as number) < 0 || (slot as number) > 65535)
          problems.push(`args.slots[${i}].slot: an integer 0-65535`);
        if (!Number.isInteger(l) || (l as number) < 1 || (l as number) > LIMIT_MAX)
          problems.push(`args.slots[${i}].limitPerHousehold: an integer 1-${LIMIT_MAX}`);
        if (list.some((x) => x.slot === slot)) problems.push(`args.slots[${i}].slot: ${slot} is given twice`);
        list.push({ slot: slot as number, limitPerHousehold: l as number });
      });
    if (problems.length > 0) throw refusal(new QhError("QH_COMMAND_INVALID", problems.join("; ")));
    if (!machines.includes(device!))
      throw refusal(new QhError("QH_VEND_MACHINE_UNKNOWN", `no vending machine ${device} at this site`));
    const unknown = list.filter((e) => ration.normalPrice(device!, e.slot) === undefined).map((e) => e.slot);
    if (unknown.length > 0)
      throw refusal(
        new QhError(
          "QH_PLANOGRAM_SLOT_UNKNOWN",
          `${device} has no planogram slot ${unknown.join(", ")} (an essential needs its normal price)`,
        ),
      );
    ration.store.setEssentials(device!, list, now(), ctx.id);
    return {
      device: device!,
      mode: ration.emergency() ? "emergency" : "normal",
      essentials: list.map((e) => ({
        slot: e.slot,
        product: ration.item(device!, e.slot),
        limitPerHousehold: e.limitPerHousehold,
        normalPrice: ration.normalPrice(device!, e.slot) ?? null,
      })),
    };
  };
  return out;
}
