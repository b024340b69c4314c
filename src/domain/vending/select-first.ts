/**
 * Select first, the parts without state: the vend.authorize event's data, and the offline rule
 * (approved offline only while the machine's limit per 24 h window allows; default off).
 */
import type Database from "better-sqlite3";
import type { JsonObject } from "../../core/envelope.js";
import { offlineWindow } from "./store.js";
import type { OfflineLimit, Session, Vend } from "./types.js";

/** `vend.authorize` data: what the platform needs to answer within `windowMs`. */
export function authorizeData(s: Session, v: Vend, windowMs: number, now: number): JsonObject {
  return {
    requestId: v.requestId,
    sessionId: s.id,
    slot: v.slot,
    product: v.product,
    price: v.price,
    windowMs,
    deadline: new Date(now + windowMs).toISOString(),
  };
}

/**
 * Whether one more offline approval of `price` (minor units) fits the machine's limit in its
 * current 24 h window (store.ts offlineWindow: keyed by the window's start, re-anchored on clock
 * corrections, never by the wall clock's calendar day). `limit`: "off" (vendsPerDay 0) or
 * "reached"; `windowStart` is what the approval is counted under.
 */
export function offlineCheck(
  db: Database.Database,
  device: string,
  lim: OfflineLimit,
  price: number,
  now: number,
): { fits: boolean; windowStart: number; limit: "off" | "reached" } {
  const w = offlineWindow(db, device, now);
  if (lim.vendsPerDay <= 0) return { fits: false, windowStart: w.startedAt, limit: "off" };
  const fits =
    w.vends + 1 <= lim.vendsPerDay && (lim.amountPerDay === 0 || w.amount + price <= lim.amountPerDay);
  return { fits, windowStart: w.startedAt, limit: "reached" };
}
