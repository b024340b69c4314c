/**
 * Session rows (`vending_sessions`) and offline usage (`vending_offline_usage`): written inside a
 * recorder transaction, read at start to end what a crash left open.
 */
import type Database from "better-sqlite3";
import { QhError } from "../../core/errors.js";
import type { Session } from "./types.js";

interface SessionRow {
  device: string;
  session_id: string;
  flow: Session["flow"];
  payment_ref: string | null;
  credit: number | null;
  spent: number;
  vend_slot: number | null;
  vend_price: number | null;
  vend_state: "requested" | "approved" | null;
  vend_ref: string | null;
  vend_offline: number;
  started_at: number;
  vend_request_id: string | null;
  vend_product: string | null;
  vend_approved_recorded: number;
}

/** Upsert the machine's open session (only approved vends are kept: a pending request dies with us). */
export function saveSession(db: Database.Database, device: string, s: Session): void {
  const v = s.vend && s.vend.state !== "authorizing" ? s.vend : undefined;
  db.prepare(
    `INSERT INTO vending_sessions (device, session_id, flow, payment_ref, credit, spent, vend_slot, vend_price,
       vend_state, vend_ref, vend_offline, started_at, vend_request_id, vend_product, vend_approved_recorded)
       VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)
     ON CONFLICT(device) DO UPDATE SET session_id=excluded.session_id, flow=excluded.flow,
       payment_ref=excluded.payment_ref, credit=excluded.credit, spent=excluded.spent, vend_slot=excluded.vend_slot,
       vend_price=excluded.vend_price, vend_state=excluded.vend_state, vend_ref=excluded.vend_ref,
       vend_offline=excluded.vend_offline, started_at=excluded.started_at,
       vend_request_id=excluded.vend_request_id, vend_product=excluded.vend_product,
       vend_approved_recorded=excluded.vend_approved_recorded`,
  ).run(
    device,
    s.id,
    s.flow,
    s.paymentRef,
    s.credit,
    s.spent,
    v?.slot ?? null,
    v?.price ?? null,
    v ? "approved" : null,
    v?.paymentRef ?? null,
    v?.offline ? 1 : 0,
    s.startedAt,
    v?.requestId ?? null,
    v?.product ?? null,
    v?.approvedRecorded ? 1 : 0,
  );
}

export function deleteSession(db: Database.Database, device: string): void {
  db.prepare("DELETE FROM vending_sessions WHERE device = ?").run(device);
}

/** The session a previous run left open on this machine, if any. */
export function loadSession(db: Database.Database, device: string): Session | undefined {
  const r = db.prepare("SELECT * FROM vending_sessions WHERE device = ?").get(device) as
    | SessionRow
    | undefined;
  if (!r) return undefined;
  return {
    id: r.session_id,
    flow: r.flow,
    paymentRef: r.payment_ref,
    credit: r.credit,
    spent: r.spent,
    startedAt: r.started_at,
    ...(r.vend_state === "approved" && r.vend_slot !== null && r.vend_price !== null
      ? {
          vend: {
            slot: r.vend_slot,
            busPrice: 0,
            price: r.vend_price,
            product: r.vend_product,
            state: "approved" as const,
            requestId: r.vend_request_id ?? "",
            approvedRecorded: r.vend_approved_recorded === 1,
            paymentRef: r.vend_ref,
            offline: r.vend_offline === 1,
            requestedMono: 0,
          },
        }
      : {}),
  };
}

/** The offline allowance's window: 24 h from the first offline approval in it. */
export const OFFLINE_WINDOW_MS = 24 * 3600_000;

/**
 * The machine's current offline window at `now` (wall ms): its start and what was approved in it;
 * a fresh one (starting now, nothing used) when there is none or it is over. A wall clock found
 * behind the window's start (a step back the gateway was not told of) keeps the window: the
 * allowance is never granted again by a clock going back.
 */
export function offlineWindow(
  db: Database.Database,
  device: string,
  now: number,
): { startedAt: number; vends: number; amount: number } {
  const r = db
    .prepare("SELECT started_at, vends, amount FROM vending_offline_window WHERE device = ?")
    .get(device) as { started_at: number; vends: number; amount: number } | undefined;
  if (!r || now - r.started_at >= OFFLINE_WINDOW_MS) return { startedAt: now, vends: 0, amount: 0 };
  return { startedAt: r.started_at, vends: r.vends, amount: r.amount };
}

/** Count one offline approval of `amount` in the window that starts at `startedAt` (a new one replaces the old). */
export function addOfflineWindowUsage(
  db: Database.Database,
  device: string,
  startedAt: number,
  amount: number,
): void {
  db.prepare(
    `INSERT INTO vending_offline_window (device, started_at, vends, amount) VALUES (?, ?, 1, ?)
     ON CONFLICT(device) DO UPDATE SET
       vends = CASE WHEN started_at = excluded.started_at THEN vends + 1 ELSE 1 END,
       amount = CASE WHEN started_at = excluded.started_at THEN amount + excluded.amount ELSE excluded.amount END,
       started_at = excluded.started_at`,
  ).run(device, startedAt, amount);
}

/**
 * A clock correction (Clock.onCorrection): a window started on the clock that was off (at or after
 * `since`) moves with it by `deltaMs`, so the window keeps its length in real time.
 */
export function shiftOfflineWindow(
  db: Database.Database,
  device: string,
  deltaMs: number,
  since: number,
): void {
  db.prepare(
    "UPDATE vending_offline_window SET started_at = started_at + ? WHERE device = ? AND started_at >= ?",
  ).run(deltaMs, device, Number.isFinite(since) ? since : Number.MIN_SAFE_INTEGER);
}

/** Local calendar day of an epoch ms, YYYY-MM-DD (the v1-v3 offline limit's day). */
export function localDay(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

export function offlineUsage(
  db: Database.Database,
  device: string,
  day: string,
): { vends: number; amount: number } {
  const r = db
    .prepare("SELECT vends, amount FROM vending_offline_usage WHERE device = ? AND day = ?")
    .get(device, day) as { vends: number; amount: number } | undefined;
  return r ?? { vends: 0, amount: 0 };
}

export function addOfflineUsage(db: Database.Database, device: string, day: string, amount: number): void {
  db.prepare(
    `INSERT INTO vending_offline_usage (device, day, vends, amount) VALUES (?, ?, 1, ?)
     ON CONFLICT(device, day) DO UPDATE SET vends = vends + 1, amount = amount + excluded.amount`,
  ).run(device, day, amount);
}

/**
 * Claim a pay-first paymentRef for a session, durably (`vending_payment_refs`). Throws
 * QH_VEND_PAYMENT_REUSED when any earlier session (on any machine) was begun with it.
 */
export function claimPaymentRef(
  db: Database.Database,
  ref: string,
  device: string,
  sessionId: string,
  now: number,
): void {
  const r = db
    .prepare(
      "INSERT INTO vending_payment_refs (payment_ref, device, session_id, used_at) VALUES (?, ?, ?, ?) ON CONFLICT(payment_ref) DO NOTHING",
    )
    .run(ref, device, sessionId, now);
  if (r.changes === 0)
    throw new QhError("QH_VEND_PAYMENT_REUSED", `payment reference ${ref} already bought a session`);
}

/** Give a claimed paymentRef back (the bridge refused the session: no credit was given). */
export function releasePaymentRef(db: Database.Database, ref: string, sessionId: string): void {
  db.prepare("DELETE FROM vending_payment_refs WHERE payment_ref = ? AND session_id = ?").run(ref, sessionId);
}
