/**
 * The platform's stock and audit commands (expiry, ledger and signatures are the router's):
 *
 * - vend.prices  { device?, prices: [{ slot, price }] }   new prices (minor units, each > 0, a
 *                                                         multiple of the reader's scale factor
 *                                                         and at most 65534 × it); the reader's
 *                                                         max/min price follows (result:
 *                                                         readerUpdated, priceRange)
 * - vend.audit   { device? }                              fetch the DEX file through the bridge,
 *                                                         reconcile, emit audit.dex; the result
 *                                                         is its data
 *
 * The machine is `args.device`, else the command's device, else the site's only machine with a
 * planogram; it must be one (QH_PLANOGRAM_MACHINE_UNKNOWN). Bad args: QH_COMMAND_INVALID naming
 * every one. All of these, and the planogram's refusal of an unknown or repeated slot, are answered
 * `rejected` (nothing was written or sent).
 */
import { type CommandContext, type CommandHandler, refusal } from "../../core/command.js";
import { isJsonObject, type JsonObject } from "../../core/envelope.js";
import { isQhError, QhError } from "../../core/errors.js";
import type { VendingAudit } from "./audit.js";
import type { Planogram } from "./planogram.js";

export const STOCK_COMMANDS = ["vend.prices", "vend.audit"] as const;

/** What a command's args say, checked: every problem, and a machine not in the planogram. */
interface Checked {
  problems: string[];
  unknownMachine?: string;
}

function machine(planogram: Planogram, args: JsonObject, ctx: CommandContext, c: Checked): string {
  const d = args.device ?? ctx.device;
  if (d !== undefined && typeof d !== "string") {
    c.problems.push("args.device: must be a string");
    return "";
  }
  const all = planogram.machines();
  if (typeof d === "string") {
    if (!all.includes(d)) c.unknownMachine = d;
    return d;
  }
  if (all.length === 1) return all[0]!;
  c.problems.push(`args.device: is required (machines: ${all.join(", ") || "none"})`);
  return "";
}

/**
 * Throw every problem at once, before anything is done: QH_COMMAND_INVALID, or
 * QH_PLANOGRAM_MACHINE_UNKNOWN when the machine is the only one; both answered `rejected`.
 */
function check(planogram: Planogram, c: Checked): void {
  const unknown = c.unknownMachine;
  const missing =
    unknown === undefined
      ? undefined
      : `${unknown} has no planogram (machines: ${planogram.machines().join(", ") || "none"})`;
  if (missing !== undefined && c.problems.length === 0)
    throw refusal(new QhError("QH_PLANOGRAM_MACHINE_UNKNOWN", missing));
  const problems = missing !== undefined ? [`args.device: ${missing}`, ...c.problems] : c.problems;
  if (problems.length > 0) throw new QhError("QH_COMMAND_INVALID", problems.join("; "), { problems });
}

/** The planogram's own refusals of the prices as given (thrown before anything is written). */
const PRICE_REFUSALS = new Set([
  "QH_PLANOGRAM_MACHINE_UNKNOWN",
  "QH_PLANOGRAM_SLOT_UNKNOWN",
  "QH_PLANOGRAM_INPUT_INVALID",
]);

/** The most a reader can grant or charge: MDB money is 16 bits and 0xFFFF means "unknown". */
const MAX_BUS_VALUE = 65534;

/**
 * The handlers, by command name.
 * @param scaleOf the machine's reader scale factor (money in minor units = MDB bus value × scale;
 *   `vending.scaleFactor`, per machine): a price must be > 0, a multiple of it and at most
 *   65534 × it (the same rule as vend.session's credit), else it is refused, named.
 */
export function createStockCommands(
  planogram: Planogram,
  audit: VendingAudit,
  scaleOf: (device: string) => number = () => 1,
): Record<string, CommandHandler> {
  return {
    "vend.prices": async (args, ctx) => {
      const c: Checked = { problems: [] };
      const problems = c.problems;
      const device = machine(planogram, args, ctx, c);
      const list = args.prices;
      const scale = device ? scaleOf(device) : 1;
      const prices: { slot: number; price: number }[] = [];
      if (!Array.isArray(list) || list.length === 0 || list.length > 1000)
        problems.push("args.prices: must be an array of 1-1000 { slot, price }");
      else
        list.forEach((e, i) => {
          if (!isJsonObject(e) || Object.keys(e).some((k) => k !== "slot" && k !== "price")) {
            problems.push(`args.prices[${i}]: must be an object { slot, price }`);
            return;
          }
          if (!Number.isInteger(e.slot) || (e.slot as number) < 0 || (e.slot as number) > 65535)
            problems.push(`args.prices[${i}].slot: must be an integer 0-65535`);
          const max = MAX_BUS_VALUE * scale;
          if (!Number.isInteger(e.price) || (e.price as number) <= 0 || (e.price as number) > max)
            problems.push(
              `args.prices[${i}].price: ${JSON.stringify(e.price ?? null)} is outside what the reader can charge (an integer 1..${max} minor units: 65534 × scale factor ${scale})`,
            );
          else if ((e.price as number) % scale !== 0)
            problems.push(
              `args.prices[${i}].price: ${e.price} is not a multiple of the reader's scale factor ${scale}`,
            );
          prices.push({ slot: e.slot as number, price: e.price as number });
        });
      check(planogram, c);
      try {
        return await planogram.setPrices(device, prices, ctx.id);
      } catch (err) {
        // an unknown slot or a slot given twice: refused before any price was written
        throw isQhError(err) && PRICE_REFUSALS.has(err.code) ? refusal(err) : err;
      }
    },
    "vend.audit": async (args, ctx) => {
      const c: Checked = { problems: [] };
      const device = machine(planogram, args, ctx, c);
      check(planogram, c);
      return audit.run(device, "platform", ctx.id);
    },
  };
}
