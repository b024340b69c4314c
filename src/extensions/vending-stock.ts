/**
 * The stock and audit part of the vending extension (src/extensions/vending.ts builds it once its
 * VendingRecorder exists): the planogram hooked to every recorded sale, the DEX audit, their
 * platform commands (`vend.prices`, `vend.audit`) and API routes (/api/v1/vending/{device}/…).
 *
 * What the session layer gives it (after it is built):
 * - `setDexFetch(fetchLines)`: how to read a machine's DEX file through its bridge (`C,DEX`: the
 *   lines of the `c,DEX,LINE,…` block, without line endings; the block's lines are joined with CRLF,
 *   as mdb-bridge-text's SPEC says, and parsed by the dex-ucs parser);
 * - `setPriceRange(fn)`: how to set a reader's max/min price when `vend.prices` changes them.
 * It takes from the stock part: `productOf(device, slot)` (the planogram's product id for a sale).
 */
import type { FastifyPluginAsync } from "fastify";
import { vendingStockPlugin } from "../api/vending-stock.js";
import { machineSettings } from "../config/vending.js";
import type { CommandHandler } from "../core/command.js";
import { VendingAudit } from "../domain/vending/audit.js";
import {
  Planogram,
  type PriceRangeListener,
  type SaleLike,
  type SlotLots,
  type StockRecorder,
  type StockTx,
} from "../domain/vending/planogram.js";
import { createStockCommands } from "../domain/vending/stock-commands.js";
import type { ExtensionContext } from "../gateway.js";
import type { VendingAddOn, VendingSite } from "./vending.js";

/** The recorder as the stock part uses it: commits, and runs hooks inside each sale's transaction. */
export interface StockHost extends StockRecorder {
  onSale(hook: (sale: SaleLike, tx: StockTx) => void): () => void;
}

export interface StockPart {
  planogram: Planogram;
  audit: VendingAudit;
  commands: Record<string, CommandHandler>;
  apiPlugin: FastifyPluginAsync;
  /** the planogram's product id of a slot, or null (for the sale record) */
  productOf(device: string, slot: number): string | null;
  setDexFetch(fetchLines: ((device: string) => Promise<string[]>) | undefined): void;
  setPriceRange(fn: PriceRangeListener | undefined): void;
  /** unhook from the recorder */
  stop(): void;
}

/** Build the stock part over the extension's recorder (creates its tables: component vending-audit). */
export function stockPart(
  ctx: ExtensionContext,
  recorder: StockHost,
  lots?: () => SlotLots | undefined,
): StockPart {
  const log = ctx.log.child({ component: "vending-stock" });
  const planogram = new Planogram({
    db: ctx.db,
    recorder,
    config: ctx.config.planogram,
    log,
    now: () => ctx.clock.now(),
    ...(lots ? { lots } : {}),
  });
  const unhook = recorder.onSale(planogram.onSale);
  const audit = new VendingAudit({
    db: ctx.db,
    recorder,
    planogram,
    log,
    clockSynced: () => ctx.clock.synced(),
  });
  return {
    planogram,
    audit,
    commands: createStockCommands(
      planogram,
      audit,
      (device) => machineSettings(ctx.config, device).scaleFactor,
    ),
    apiPlugin: vendingStockPlugin(planogram, audit),
    productOf: (device, slot) => planogram.slot(device, slot)?.product ?? null,
    setDexFetch: (fetchLines) =>
      audit.setFetcher(
        fetchLines
          ? { fetchDex: async (device) => `${(await fetchLines(device)).join("\r\n")}\r\n` }
          : undefined,
      ),
    setPriceRange: (fn) => planogram.setPriceRangeListener(fn),
    stop: unhook,
  };
}

/** The stock parts of the sites running in this process (one per gateway), for `productOf`. */
const parts = new Set<StockPart>();

/**
 * The vending extension's add-on (its VENDING_ADDONS entry): built over each vending site, it
 * hooks the planogram to the site's recorder, reads DEX files through the site's bridges and sets
 * the readers' price range.
 *
 * `vend.prices` hands the machine's new lowest/highest price to the site (`setPriceRange`: the
 * reader's max/min price); when that fails the prices are stored and the result says
 * `readerUpdated: false` with the reason.
 */
export const STOCK_ADDON: VendingAddOn = {
  name: "stock",
  productOf: (device, slot) => {
    for (const p of parts) {
      const product = p.productOf(device, slot);
      if (product) return product;
    }
    return null;
  },
  slotInfo: (device, slot) => {
    for (const p of parts) {
      const s = p.planogram.slot(device, slot);
      if (s) return { price: s.price, product: s.product };
    }
    return undefined;
  },
  allPrices: () =>
    [...parts].flatMap((p) =>
      p.planogram.slots().map((s) => ({ device: s.device, slot: s.slot, price: s.price })),
    ),
  build: (site: VendingSite) => {
    const part = stockPart(site.ctx, site.recorder, () => site.seams.trace);
    parts.add(part);
    part.setDexFetch((device) => site.fetchDex(device));
    // the reader then accepts vends within the machine's new price range (VendingSite.setPriceRange)
    part.setPriceRange((device, range) => site.setPriceRange(device, range));
    return {
      commands: part.commands,
      apiPlugins: [part.apiPlugin],
      // the range lives in the planogram (stored): re-derived at every start, so a restart keeps
      // what vend.prices set; the reader keeps it across bridge boots, VMC resets and SETUP
      start: async () => {
        for (const device of site.machines.keys()) {
          const range = part.planogram.priceRange(device);
          if (range) site.setPriceRange(device, range);
        }
      },
      stop: async () => {
        part.stop();
        parts.delete(part);
      },
    };
  },
};
