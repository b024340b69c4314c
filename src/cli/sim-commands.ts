/**
 * Registers `quarterhour sim courier-deposit` and `quarterhour sim pickup CODE` (see sim.ts); the
 * actions are loaded when one runs, so other commands do not pay for the locker's modules.
 */
import { type Command, Option } from "commander";
import { type GatewayOpts, gatewayOptions } from "./common.js";
import type { DepositOpts } from "./sim.js";
import type { VendOpts } from "./sim-vend.js";

/** The compartment sizes `--size` accepts (the locker's own list, src/domain/locker/ports.ts). */
const SIZES = ["XS", "S", "M", "L", "XL"] as const;

/** Adds the `sim` commands to the program. */
export function registerSim(program: Command): void {
  const sim = program
    .command("sim")
    .description("drive the demo's simulated courier and resident (simulated sites)");
  const deposit = sim
    .command("courier-deposit")
    .description("a courier deposits a parcel: courier code, barcode, size, door, parcel in, door shut")
    .option("--courier <code>", "courier code (default: the demo courier's)")
    .option("--barcode <barcode>", "parcel barcode (default: a random one)")
    .addOption(new Option("--size <size>", "compartment size (default: the smallest free)").choices(SIZES))
    .option("--terminal <id>", "kiosk terminal (default: the config's first, locker.terminals)")
    .option("--empty", "close the door without putting the parcel in");
  gatewayOptions(deposit).action(async (o: DepositOpts, cmd: Command) => {
    await (await import("./sim.js")).courierDeposit(o, cmd);
  });
  const pick = sim
    .command("pickup <code>")
    .description("a resident enters a pickup code, takes the parcel and closes the door")
    .option("--terminal <id>", "kiosk terminal (default: the config's first, locker.terminals)");
  gatewayOptions(pick).action(async (code: string, o: GatewayOpts & { terminal?: string }) => {
    await (await import("./sim.js")).pickup(code, o);
  });
  const vend = sim
    .command("vend")
    .description("the vending machine's customers: phone (pay first), select (select first), cash");
  for (const [kind, what] of [
    ["phone", "pays on the phone (vend.session with --credit), then selects --item"],
    ["select", "selects --item first; the CLI, as the platform, answers vend.authorize (--deny to refuse)"],
    ["cash", "pays cash for --item: a cash sale, recorded and reported"],
  ] as const) {
    const c = vend
      .command(kind)
      .description(`a customer ${what}`)
      .option("--device <id>", "vending machine (default: the config's first)")
      .option("--item <n>", "the machine's item number (default 3)");
    if (kind === "phone") c.option("--credit <minor>", "credit granted, minor units (default 1000)");
    if (kind === "select") c.option("--deny", "the platform refuses the payment");
    gatewayOptions(c).action(async (o: VendOpts) => {
      await (await import("./sim-vend.js")).simVend(kind, o);
    });
  }
}
