/**
 * Select first, the parts without state: the vend.authorize event's data, and the offline rule
 * (approved offline only while the machine's per-day limit allows; default off).
 */
import type Database from "better-sqlite3";
import type { JsonObject } from "../../core/envelope.js";
import { localDay, offlineUsage } from "./store.js";
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
 * Whether one more offline approval of `price` (minor units) fits the machine's limit today (local
 * day of `now`). `limit`: "off" (vendsPerDay 0) or "reached".
 */
export function offlineCheck(
  db: Database.Database,
  device: string,
  lim: OfflineLimit,
  price: number,
  now: number,
): { fits: boolean; day: string; limit: "off" | "reached" } {
  const day = localDay(now);
  if (lim.vendsPerDay <= 0) return { fits: false, day, limit: "off" };
  const used = offlineUsage(db, device, day);
  const fits =
    used.vends + 1 <= lim.vendsPerDay && (lim.amountPerDay === 0 || used.amount + price <= lim.amountPerDay);
  return { fits, day, limit: "reached" };
}
