/** Registers `quarterhour dex parse FILE [--json]` (see dex.ts); loaded only when it runs. */
import type { Command } from "commander";

/** Adds the `dex` commands to the program. */
export function registerDex(program: Command): void {
  const dex = program.command("dex").description("DEX/EVA-DTS vending audit files");
  dex
    .command("parse <file>")
    .description(
      "print a DEX audit file (machine, totals, products, payment devices, cash, events) and its integrity verdict; exit 0 verified, 1 not to be trusted (G85 wrong, cut short, no G85), 2 unreadable or not DEX",
    )
    .option("--json", "print JSON")
    .action(async (file: string, o: { json?: boolean }) => {
      (await import("./dex.js")).dexParse(file, o);
    });
}
