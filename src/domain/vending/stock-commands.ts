/**
 * The platform's stock and audit commands (expiry, ledger and signatures are the router's):
 *
 * - vend.prices  { device?, prices: [{ slot, price }] }   new prices (minor units); the reader's
 *                                                         max/min price follows (result:
 *                                                         readerUpdated, priceRange)
 * - vend.audit   { device? }                              fetch the DEX file through the bridge,
 *                                                         reconcile, emit audit.dex; the result
 *                                                         is its data
 *
 * The machine is `args.device`, else the command's device, else the site's only machine with a
 * planogram; it must be one (QH_PLANOGRAM_MACHINE_UNKNOWN). Bad args: QH_COMMAND_INVALID naming
 * every one.
 */
import type { CommandContext, CommandHandler } from "../../core/command.js";
import { isJsonObject, type JsonObject } from "../../core/envelope.js";
import { QhError } from "../../core/errors.js";
import type { VendingAudit } from "./audit.js";
import type { Planogram } from "./planogram.js";

export const STOCK_COMMANDS = ["vend.prices", "vend.audit"] as const;

function machine(planogram: Planogram, args: JsonObject, ctx: CommandContext, problems: string[]): string {
  const d = args.device ?? ctx.device;
  if (d !== undefined && typeof d !== "string") {
    problems.push("args.device: must be a string");
    return "";
  }
  if (typeof d === "string") return d;
  const all = planogram.machines();
  if (all.length === 1) return all[0]!;
  problems.push(`args.device: is required (machines: ${all.join(", ") || "none"})`);
  return "";
}

function check(problems: string[]): void {
  if (problems.length > 0) throw new QhError("QH_COMMAND_INVALID", problems.join("; "), { problems });
}

/** The handlers, by command name. */
export function createStockCommands(
  planogram: Planogram,
  audit: VendingAudit,
): Record<string, CommandHandler> {
  return {
    "vend.prices": async (args, ctx) => {
      const problems: string[] = [];
      const device = machine(planogram, args, ctx, problems);
      const list = args.prices;
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
          if (!Number.isInteger(e.price) || (e.price as number) < 0 || (e.price as number) > 10_000_000)
            problems.push(`args.prices[${i}].price: must be an integer 0-10000000 (minor units)`);
          prices.push({ slot: e.slot as number, price: e.price as number });
        });
      check(problems);
      return planogram.setPrices(device, prices, ctx.id);
    },
    "vend.audit": async (args, ctx) => {
      const problems: string[] = [];
      const device = machine(planogram, args, ctx, problems);
      check(problems);
      return audit.run(device, "platform", ctx.id);
    },
  };
}
