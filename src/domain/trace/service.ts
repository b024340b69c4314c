/**
 * The traceability service: lots on stock (lots.ts), the trace of a lot (report.ts), recalls, the
 * expiry check, and the platform commands `trace.lot` and `trace.recall`.
 *
 *   scan at a restock / a deposit / a bundle's door, lots named in distribution.load
 *     ─► TraceLots (trace_loads) ─► blocks: vending slot, parcel pickup, bundle loading and collection
 *   trace.recall ─► trace_recalls + stock.recalled / parcel.recalled / bundle.recalled (one
 *     transaction) ─► answer
 *   trace.lot / `quarterhour trace lot` ─► traceLot (read only)
 *
 * Recall: one transaction records the lot as recalled and the events naming every slot and
 * parcel holding it, so every block takes effect at once (the vend and pickup checks read the
 * recall, nothing is sent anywhere first: offline too). A second recall of the same lot changes
 * nothing and says so (`alreadyRecalled`, the first recall's id); a repeat of the same command id
 * is answered from the command ledger (`duplicate`), never run twice.
 */
import type { CommandHandler } from "../../core/command.js";
import type { JsonObject } from "../../core/envelope.js";
import { QhError } from "../../core/errors.js";
import { bundlesToBlock } from "./bundles.js";
import { normalizeGtin } from "./gs1.js";
import { lotOrRunOn } from "./load-row.js";
import { PARCEL_IN_LOCKER, type TraceLots } from "./lots.js";
import type { TraceOutbox } from "./outbox.js";
import { heldNow, traceLot, type ZoneLayout } from "./report.js";

/** GS1 character set 82, 1-20: a lot (10) as GS1 allows it. */
const LOT_RE = /^[!"%&'()*+,\-./0-9:;<=>?A-Z_a-z]{1,20}$/;

/**
 * Check a GTIN and a lot given by a person or the platform.
 * @returns the GTIN as 14 digits
 * @throws QhError QH_TRACE_INPUT_INVALID naming each problem (a wrong check digit among them)
 */
export function checkLotInput(gtin: unknown, lot: unknown): { gtin: string; lot: string } {
  const problems: string[] = [];
  let g = "";
  if (typeof gtin !== "string") problems.push("gtin: must be a string of 8, 12, 13 or 14 digits");
  else {
    try {
      g = normalizeGtin(gtin);
    } catch (err) {
      problems.push(`gtin: ${(err as Error).message}`);
    }
  }
  if (typeof lot !== "string" || !LOT_RE.test(lot))
    problems.push(
      "lot: must be 1-20 GS1 characters (letters, digits, and ! \" % & ' ( ) * + , - . / : ; < = > ? _)",
    );
  if (problems.length > 0) throw new QhError("QH_TRACE_INPUT_INVALID", problems.join("; "), { problems });
  return { gtin: g, lot: lot as string };
}

export interface TraceServiceOptions {
  lots: TraceLots;
  outbox: TraceOutbox;
  /** the site's cold zones, for the readings in a trace */
  zones: readonly ZoneLayout[];
}

export class TraceService {
  constructor(private readonly o: TraceServiceOptions) {}

  get lots(): TraceLots {
    return this.o.lots;
  }

  /** Where the lot went (no blocking). */
  lot(gtin: string, lot: string): Promise<JsonObject> {
    return traceLot(this.o.outbox.database, gtin, lot, { zones: this.o.zones, now: this.o.outbox.now() });
  }

  /**
   * Recall a lot: record it, block every slot, parcel and bundle holding it (at once, offline
   * too), emit `stock.recalled` per slot, `parcel.recalled` per parcel still in a locker and
   * `bundle.recalled` per bundle not collected (nor unclaimed), and answer where it went. Resolves once the events are durable.
   */
  async recall(gtin: string, lot: string, recallId: string, reason?: string): Promise<JsonObject> {
    const db = this.o.outbox.database;
    const { result, durable } = this.o.outbox.commit((tx) => {
      const first = this.o.lots.recallExactly(gtin, lot);
      // capped by what each slot holds now (report.ts heldNow)
      const slots = heldNow(
        db,
        db
          .prepare(
            `SELECT device, slot, sum(quantity) AS quantity FROM trace_loads
           WHERE kind = 'slot' AND gtin = ? AND ${lotOrRunOn("lot")} AND ended_at IS NULL GROUP BY device, slot ORDER BY device, slot`,
          )
          .all(gtin, lot, gtin, lot) as { device: string; slot: number; quantity: number }[],
      );
      const parcels = hasLocker(db)
        ? (db
            .prepare(
              `SELECT DISTINCT p.id, p.device, p.compartment, p.state FROM trace_loads l JOIN locker_parcels p ON p.id = l.parcel_id
               WHERE l.kind = 'parcel' AND l.gtin = ? AND ${lotOrRunOn("l.lot")} AND p.state IN (${PARCEL_IN_LOCKER.map(() => "?").join(",")})
               ORDER BY p.device, p.compartment`,
            )
            .all(gtin, lot, gtin, lot, ...PARCEL_IN_LOCKER) as {
            id: string;
            device: string;
            compartment: string;
            state: string;
          }[])
        : [];
      const bundles = bundlesToBlock(db, gtin, lot);
      if (first) return { first, slots, parcels, bundles };
      tx.db
        .prepare(
          "INSERT INTO trace_recalls (gtin, lot, recall_id, reason, at, clock_unsynced) VALUES (?, ?, ?, ?, ?, ?)",
        )
        .run(gtin, lot, recallId, reason ?? null, tx.now, this.o.outbox.synced() ? 0 : 1);
      for (const s of slots)
        tx.emit(s.device, "stock.recalled", {
          slot: s.slot,
          gtin,
          lot,
          recallId,
          quantity: s.quantity,
          blocked: true,
        });
      for (const p of parcels)
        tx.emit(p.device, "parcel.recalled", {
          parcelId: p.id,
          compartment: p.compartment,
          state: p.state,
          gtin,
          lot,
          recallId,
          blocked: true,
        });
      for (const b of bundles)
        tx.emit(b.device, "bundle.recalled", {
          bundleId: b.bundleId,
          roundId: b.roundId,
          compartment: b.compartment,
          state: b.state,
          inLocker: b.inLocker,
          gtin,
          lot,
          recallId,
          blocked: true,
        });
      return { first: undefined, slots, parcels, bundles };
    });
    await durable;
    const trace = await this.lot(gtin, lot);
    return {
      recallId: result.first?.recall_id ?? recallId,
      alreadyRecalled: result.first !== undefined,
      blocked: {
        slots: result.slots.map((s) => ({ device: s.device, slot: s.slot, quantity: s.quantity })),
        parcels: result.parcels.map((p) => ({
          parcelId: p.id,
          device: p.device,
          compartment: p.compartment,
          state: p.state,
        })),
        bundles: result.bundles.map((b) => ({
          bundleId: b.bundleId,
          roundId: b.roundId,
          device: b.device,
          compartment: b.compartment,
          state: b.state,
          inLocker: b.inLocker,
        })),
      },
      trace,
    };
  }

  /** `trace.lot { gtin, lot }` and `trace.recall { gtin, lot, reason? }`. */
  commands(): Record<string, CommandHandler> {
    return {
      "trace.lot": async (args) => {
        const a = checkArgs(args, ["gtin", "lot"]);
        return this.lot(a.gtin, a.lot);
      },
      "trace.recall": async (args, ctx) => {
        const a = checkArgs(args, ["gtin", "lot", "reason"]);
        return this.recall(a.gtin, a.lot, ctx.id, a.reason);
      },
    };
  }
}

/** @throws QH_COMMAND_INVALID naming every problem (rejected: nothing ran) */
function checkArgs(args: JsonObject, allowed: string[]): { gtin: string; lot: string; reason?: string } {
  const problems: string[] = [];
  for (const k of Object.keys(args))
    if (!allowed.includes(k)) problems.push(`args.${k}: unknown argument (${allowed.join(", ")})`);
  let out = { gtin: "", lot: "" };
  try {
    out = checkLotInput(args.gtin, args.lot);
  } catch (err) {
    const e = err as QhError;
    const list = (e.details as { problems?: string[] } | undefined)?.problems ?? [e.message];
    problems.push(...list.map((p) => `args.${p}`));
  }
  const reason = args.reason;
  if (reason !== undefined && (typeof reason !== "string" || reason.length === 0 || reason.length > 200))
    problems.push("args.reason: must be a text of 1-200 characters");
  if (problems.length > 0) throw new QhError("QH_COMMAND_INVALID", problems.join("; "));
  return { ...out, ...(typeof reason === "string" ? { reason } : {}) };
}

function hasLocker(db: { prepare(sql: string): { get(...a: unknown[]): unknown } }): boolean {
  return (
    db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'locker_parcels'").get() !==
    undefined
  );
}
