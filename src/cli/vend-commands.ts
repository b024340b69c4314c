/** Registers `quarterhour vend stock|restock|audit` (see vend.ts); loaded only when one runs. */
import { type Command, InvalidArgumentError } from "commander";
import { type GatewayOpts, gatewayOptions } from "./common.js";

type Opts = GatewayOpts & { device?: string; json?: boolean };

/** Adds the `vend` commands to the program. */
export function registerVend(program: Command): void {
  const vend = program.command("vend").description("vending machines: stock, refills, DEX audits");
  gatewayOptions(
    vend
      .command("stock")
      .description("the machine's planogram: slot, product, price, count, capacity, state")
      .option("--device <id>", "vending machine id (default: the config's only vending machine)")
      .option("--json", "print JSON"),
  ).action(async (o: Opts) => (await import("./vend.js")).vendStock(o));
  gatewayOptions(
    vend
      .command("restock")
      .description("set slot counts after a refill or a recount (emits stock.restocked)")
      .option("--device <id>", "vending machine id (default: the config's only vending machine)")
      .option("--slot <slot=count>", "slot SLOT now holds COUNT (repeatable)", parseSlot)
      .option("--full", "fill every slot to its capacity")
      .option("--by <name>", "who restocked (in the event)")
      .option("--json", "print JSON"),
  ).action(async (o: Opts & { slot?: { slot: number; count: number }[]; full?: boolean; by?: string }) =>
    (await import("./vend.js")).vendRestock(o),
  );
  gatewayOptions(
    vend
      .command("audit")
      .description(
        "fetch the machine's DEX file through the bridge, reconcile it with the gateway's sales since the last audit, emit audit.dex; exit 0 reconciled (mismatches printed), 1 file not trusted or fetch failed",
      )
      .requiredOption("--device <id>", "vending machine id")
      .option("--json", "print JSON"),
  ).action(async (o: Opts & { device: string }) => (await import("./vend.js")).vendAudit(o));
}

/** `--slot 3=10`: slot 3 holds 10 now (a bad value is a usage error, exit 2, before anything is sent). */
function parseSlot(v: string, prev: { slot: number; count: number }[] | undefined) {
  const m = /^(\d{1,5})=(\d{1,5})$/.exec(v.trim());
  if (!m) throw new InvalidArgumentError("write SLOT=COUNT, e.g. --slot 3=10");
  return [...(prev ?? []), { slot: Number(m[1]), count: Number(m[2]) }];
}
