/**
 * The DEX audit of a vending machine (`vend.audit`, `quarterhour vend audit --device D`): fetch the
 * machine's DEX file through the bridge, store it (`vending_audits`, with its sha256 and verdict),
 * reconcile it with the gateway's own sales since the last reconciled audit (reconcile.ts) and
 * emit `audit.dex` with the totals and every mismatch, in one transaction.
 *
 * Only a file that verifies (or is complete without a G85: `unverified`, flagged) is reconciled and
 * becomes the next baseline. A corrupt or truncated file is stored and reported (`reconciled:
 * false`) but moves nothing: the next good audit covers the whole period since the last good one.
 *
 * "Since the last audit" is counted in `vending_sales` rowids, not wall-clock times: a clock step
 * between two audits neither loses nor counts a sale twice.
 */
import { createHash } from "node:crypto";
import type Database from "better-sqlite3";
import type { JsonObject } from "../../core/envelope.js";
import { isQhError, QhError } from "../../core/errors.js";
import { newId } from "../../core/ids.js";
import type { Logger } from "../../core/logger.js";
import { parseDex } from "../../protocols/dex-ucs/index.js";
import type { Planogram, StockRecorder } from "./planogram.js";
import { type Counters, reconcile, type SalesTotal } from "./reconcile.js";

/**
 * The bridge's DEX fetch. The `mdb` helper's session layer implements it (the mdb-bridge-text DEX
 * request; see firmware-protocols/mdb-bridge-text/SPEC.md) and hands it to the audit with
 * `VendingAudit.setFetcher`. Resolves with the file as received; rejects with a coded error.
 */
export interface DexFetcher {
  fetchDex(device: string): Promise<string | Uint8Array>;
}

export interface AuditOptions {
  db: Database.Database;
  recorder: StockRecorder;
  planogram: Planogram;
  log: Logger;
  /** whether the wall clock is synchronised now (the stored row is flagged when not) */
  clockSynced: () => boolean;
  fetcher?: DexFetcher;
}

const MAX_WARNINGS = 20;

export class VendingAudit {
  private fetcher?: DexFetcher;
  private readonly busy = new Set<string>();

  constructor(private readonly o: AuditOptions) {
    this.fetcher = o.fetcher;
  }

  /** The session layer's DEX fetch (replaces any previous one). */
  setFetcher(f: DexFetcher | undefined): void {
    this.fetcher = f;
  }

  /**
   * Fetch, store, reconcile and report one machine's audit; resolves with the `audit.dex` data.
   * @throws QH_PLANOGRAM_MACHINE_UNKNOWN, QH_DEX_AUDIT_BUSY (one audit per machine at a time, or
   *   a cashless session/vend in flight on it),
   *   QH_DEX_FETCH_FAILED (no fetcher, or the bridge failed: nothing stored)
   */
  async run(device: string, by: string, commandId?: string): Promise<JsonObject> {
    this.o.planogram.requireMachine(device);
    if (this.busy.has(device)) throw new QhError("QH_DEX_AUDIT_BUSY", `an audit of ${device} is running`);
    this.busy.add(device);
    try {
      const f = this.fetcher;
      if (!f)
        throw new QhError("QH_DEX_FETCH_FAILED", `${device}: no bridge session layer offers a DEX fetch`);
      let content: string | Uint8Array;
      try {
        content = await f.fetchDex(device);
      } catch (err) {
        if (isQhError(err) && err.code === "QH_DEX_AUDIT_BUSY") throw err; // a vend in flight
        const why = isQhError(err) ? `${err.code}: ${err.message}` : (err as Error).message;
        throw new QhError("QH_DEX_FETCH_FAILED", `${device}: the DEX fetch failed (${why})`);
      }
      return await this.ingest(device, content, by, commandId);
    } finally {
      this.busy.delete(device);
    }
  }

  /** Store, reconcile and report a DEX file already in hand (what `run` does after the fetch). */
  async ingest(
    device: string,
    content: string | Uint8Array,
    by: string,
    commandId?: string,
  ): Promise<JsonObject> {
    const bytes = typeof content === "string" ? Buffer.from(content, "latin1") : Buffer.from(content);
    const audit = parseDex(bytes);
    const verdict = audit.dxs === null ? "invalid" : audit.integrity.verdict;
    // only a file whose G85 checks out is reconciled: without one (`unverified`) nothing proves
    // the figures arrived as the machine wrote them; it is stored and reported, never booked
    const trusted = verdict === "verified";
    const db = this.o.db;
    const { result, durable } = this.o.recorder.commit((tx) => {
      const prev = db
        .prepare(
          "SELECT id, ts, sales_rowid, counters FROM vending_audits WHERE device = ? AND counters IS NOT NULL ORDER BY rowid DESC LIMIT 1",
        )
        .get(device) as { id: string; ts: number; sales_rowid: number; counters: string } | undefined;
      const from = prev?.sales_rowid ?? 0;
      const to =
        (db.prepare("SELECT coalesce(max(rowid), 0) FROM vending_sales").pluck().get() as number) ?? 0;
      const id = newId(tx.now);
      const sha256 = createHash("sha256").update(bytes).digest("hex");
      const base: JsonObject = {
        auditId: id,
        verdict,
        reconciled: false,
        by,
        ...(commandId ? { commandId } : {}),
        file: {
          bytes: bytes.length,
          sha256,
          g85: audit.integrity.g85.status,
          truncated: audit.integrity.truncated,
        },
        machine: {
          serial: audit.machine.serial,
          model: audit.machine.model,
          readDate: audit.machine.readDate,
          readTime: audit.machine.readTime,
        },
        warnings: audit.integrity.warnings.slice(0, MAX_WARNINGS),
        since: prev ? { auditId: prev.id, ts: new Date(prev.ts).toISOString() } : null,
      };
      let data = base;
      let counters: Counters | null = null;
      if (trusted) {
        const sales = db
          .prepare(
            `SELECT slot, payment, count(*) AS vends, sum(price) AS value FROM vending_sales
              WHERE device = ? AND rowid > ? AND rowid <= ? GROUP BY slot, payment`,
          )
          .all(device, from, to) as SalesTotal[];
        const slotToDex = new Map(
          this.o.planogram
            .slots(device)
            .map((s) => [s.slot, { dexProduct: s.dexProduct, name: s.name ?? s.product }]),
        );
        const r = reconcile(audit, prev ? (JSON.parse(prev.counters) as Counters) : null, sales, slotToDex);
        counters = r.counters;
        data = {
          ...base,
          reconciled: true,
          mode: r.mode,
          totals: r.machine as unknown as JsonObject,
          products: r.products as unknown as JsonObject[],
          mismatches: r.mismatches as unknown as JsonObject[],
        } as JsonObject;
      }
      db.prepare(
        `INSERT INTO vending_audits (id, device, ts, content, sha256, verdict, sales_rowid, counters, result, clock_unsynced)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(
        id,
        device,
        tx.now,
        bytes,
        sha256,
        verdict,
        trusted ? to : from,
        counters ? JSON.stringify(counters) : null,
        JSON.stringify(data),
        this.o.clockSynced() ? 0 : 1,
      );
      tx.emit(device, "audit.dex", data);
      return data;
    });
    await durable;
    if (!trusted)
      this.o.log.warn({ device, verdict }, "DEX audit not reconciled: the file cannot be trusted");
    return result;
  }

  /** The stored audits of a machine, newest first (without the file). */
  list(device: string, limit = 20): { id: string; ts: number; verdict: string; sha256: string }[] {
    return this.o.db
      .prepare(
        "SELECT id, ts, verdict, sha256 FROM vending_audits WHERE device = ? ORDER BY rowid DESC LIMIT ?",
      )
      .all(device, limit) as { id: string; ts: number; verdict: string; sha256: string }[];
  }

  /** A stored audit's file as received, or undefined. */
  file(id: string): Buffer | undefined {
    return this.o.db.prepare("SELECT content FROM vending_audits WHERE id = ?").pluck().get(id) as
      | Buffer
      | undefined;
  }
}
