/**
 * Registers `quarterhour sim courier-deposit`, `quarterhour sim pickup CODE` (see sim.ts) and
 * `quarterhour sim cold-fault ZONE [FAULT]` (sim-cold.ts); the
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
  const fault = sim
    .command("cold-fault <zone> [fault]")
    .description(
      "the cold chain demo: deposit a parcel in ZONE, make a fault (door-open, compressor, power, probe; default door-open), see the alarm, a refused deposit, the repair and the breach",
    )
    .option("--terminal <id>", "kiosk terminal (default: the config's first, locker.terminals)")
    .option("--no-deposit", "do not deposit a parcel first");
  gatewayOptions(fault).action(
    async (
      zone: string,
      f: string | undefined,
      o: GatewayOpts & { terminal?: string; deposit?: boolean },
      cmd: Command,
    ) => {
      await (await import("./sim-cold.js")).coldFault(zone, f, o, cmd);
    },
  );
  const vend = sim
    .command("vend")
    .description(
      "the vending machine's customers against a running gateway with an embedded uplink (the CLI plays the platform): phone (pay first), select (select first), cash",
    )
    .addHelpText(
      "after",
      [
        "",
        "Each prints the outcome (vend.completed, vend.failed or vend.denied) and exits 0; 1 when the",
        "gateway or the machine did not play along (QH_SIM_VEND_FAILED), 2 for bad flags (QH_USAGE).",
        "Examples (the demo machine's items: 1 water 300, 2 green tea 350, 3 cola 500, 4 biscuits 250,",
        "5 noodles 400, 6 milk 600):",
        "  quarterhour sim vend phone --item 3 --credit 800",
        "  quarterhour sim vend phone --item 2 --household b2-1101   (emergency mode: the household is required)",
        "  quarterhour sim vend select --item 2 [--deny]",
        "  quarterhour sim vend cash --item 4",
        "See docs/vending.md#demo.",
      ].join("\n"),
    );
  for (const [kind, what] of [
    [
      "phone",
      "pays on the phone (vend.session with --credit), then selects --item; prints the vend's outcome and the unspent credit; a failure midway ends (cancels) the session it began",
    ],
    [
      "select",
      "selects --item first; the CLI, as the platform, answers vend.authorize (--deny to refuse); a denial the gateway gives at once (price range, offline) is printed at once",
    ],
    ["cash", "pays cash for --item: a cash sale, recorded and reported (vend.cash_sale)"],
  ] as const) {
    const c = vend
      .command(kind)
      .description(`a customer ${what}`)
      .option("--device <id>", "vending machine (default: the config's first)")
      .option("--item <n>", "the machine's item number (default 3)");
    if (kind === "phone") {
      c.option("--credit <minor>", "credit granted, minor units (default 1000)");
      c.option(
        "--household <id>",
        "the buyer's household (vend.session household; required in emergency mode, docs/emergency.md#household-ids)",
      );
    }
    if (kind === "select") c.option("--deny", "the platform refuses the payment");
    gatewayOptions(c).action(async (o: VendOpts) => {
      await (await import("./sim-vend.js")).simVend(kind, o);
    });
  }
}
