/**
 * The traceability vertical (issue 11): GS1 lots on stock, the expiry check, recalls and the
 * platform commands `trace.lot` and `trace.recall`. It drives no bus: it is wanted at every site
 * with locker banks or vending machines, and built after them (VERTICALS order), publishing its
 * lots in the site's seams:
 *
 *   locker scan (door assigned/open) ─► seams.trace.loadParcel   pickup ─► seams.trace.pickupRefusal
 *   vending restock { scan } ─► Planogram ─► seams.trace.loadSlot  vend request ─► slotBlock
 *   timer (trace.expiryCheckSeconds) ─► checkExpiry ─► stock.expired
 */
import type { Config } from "../config/schema.js";
import { dayFormat, TraceLots } from "../domain/trace/lots.js";
import { TraceOutbox } from "../domain/trace/outbox.js";
import { ensureTraceIndexes } from "../domain/trace/schema.js";
import { TraceService } from "../domain/trace/service.js";
import type { Extension, ExtensionFactory } from "../gateway.js";
import { LOCKER_BUS_PROTOCOLS } from "./locker.js";
import type { SiteSeams } from "./seams.js";
import { VENDING_BUS_PROTOCOLS } from "./vending.js";

/** Bus protocols this vertical drives: none (it rides on the locker's and vending's). */
export const TRACE_BUS_PROTOCOLS: ReadonlySet<string> = new Set();

/** Wanted at a site with locker banks or vending machines. */
export function traceWanted(config: Config): boolean {
  return config.buses.some(
    (b) => LOCKER_BUS_PROTOCOLS.has(b.protocol) || VENDING_BUS_PROTOCOLS.has(b.protocol),
  );
}

/** `config check`: the time zone must be one this system knows (QH_CONFIG_INVALID, trace.timeZone). */
export function checkTraceConfig(config: Config): void {
  dayFormat(config.trace.timeZone);
}

export function traceExtension(seams: SiteSeams): ExtensionFactory {
  return (ctx): Extension => {
    const log = ctx.log.child({ component: "trace" });
    const outbox = new TraceOutbox(ctx.db, ctx.events, ctx.clock, log);
    const lots = new TraceLots({
      db: ctx.db,
      outbox,
      clock: ctx.clock,
      log,
      separator: ctx.config.trace.gs1.separator,
      runOnLots: ctx.config.trace.gs1.runOnLots,
      timeZone: ctx.config.trace.timeZone,
    });
    const service = new TraceService({
      lots,
      outbox,
      zones: ctx.config.cold.zones.map((z) => ({ id: z.id, compartments: z.compartments })),
    });
    seams.trace = lots;
    let timer: NodeJS.Timeout | undefined;
    const check = () => {
      try {
        const n = lots.checkExpiry();
        if (n > 0)
          log.warn({ lots: n }, "lots past their expiry date: their slots are blocked (stock.expired)");
      } catch (err) {
        log.error({ err }, "expiry check failed; tried again at the next period");
      }
    };
    return {
      name: "trace",
      commands: service.commands(),
      problems: () => outbox.problems(),
      outboxWaiting: () => ({ trace_outbox: outbox.pending() }),
      start: async () => {
        ensureTraceIndexes(ctx.db); // vending's tables exist by now
        await outbox.flush();
        outbox.start();
        check();
        timer = setInterval(check, ctx.config.trace.expiryCheckSeconds * 1000);
        timer.unref();
      },
      stop: async () => {
        if (timer) clearInterval(timer);
        await outbox.stop();
        if (seams.trace === lots) seams.trace = undefined;
      },
    };
  };
}
