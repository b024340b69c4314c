/**
 * The vending vertical's tables (component "vending" in schema_version; src/store/migrate.ts).
 *
 * `vending_sales` is THE sales record the DEX audit reconciles against (the `dex` helper's
 * reconciliation reads it; see sales.ts for the read API). One row per completed vend, cash or
 * cashless, written in the same SQLite transaction as its `vend.completed` / `vend.cash_sale`
 * event's row in `vending_outbox`, so a sale is recorded if and only if its event is on its way:
 *
 *   id           sale id (UUIDv7); also `saleId` in the event's data
 *   device       the vending machine's device id (config `buses[].devices[].id`)
 *   slot         the MDB item number the VMC reported (0..65535)
 *   product      the planogram's product id for that slot at sale time, NULL when none is known
 *   price        the price in the currency's minor units (MDB value × scale factor)
 *   payment      'cash' | 'cashless'
 *   payment_ref  the platform's payment reference (cashless pay-first / select-first), else NULL
 *   offline      1 when a select-first vend was approved under the offline limit (uplink down)
 *   seq          the seq of the sale's event in the gateway's event store: NULL between the commit
 *                and the moment ingest makes the event durable (milliseconds), then set; a sale
 *                left NULL by a crash gets it when the outbox row is sent again on start
 *   ts           when the machine reported the sale, epoch ms (gateway wall clock)
 *   clock_unsynced 1 when `ts` was taken while the wall clock was not synchronised (the event
 *                carries "clock":"unsynced" the same way; src/core/envelope.ts)
 *
 * `vending_outbox`: events decided with a state change, until the EventSink made them durable.
 * `vending_sessions`: the one open cashless session per machine, so a restart ends it with a clear
 * outcome. `vending_payment_refs` (v2): every paymentRef a pay-first session was begun with, kept
 * for good, so a reused reference (a new command id, same payment) is refused, never credited twice.
 * (v3: the approved vend's request id, product and whether its vend.approved is recorded, so a
 * restart reports its outcome under the same request id and never records vend.approved twice.)
 * `vending_offline_usage`: offline approvals per machine per local day (v1-v3; no longer read).
 * `vending_offline_window` (v4): the machine's offline allowance: approvals and their value in the
 * 24 h window that began with its first offline approval (`started_at`, wall ms, shifted with every
 * clock correction so a step of the wall clock neither ends nor restarts the window).
 */
import type Database from "better-sqlite3";
import { type Migration, migrate } from "../../store/migrate.js";

export const VENDING_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "vending sales, outbox, sessions, offline usage",
    up: `
CREATE TABLE vending_sales (
  id TEXT PRIMARY KEY,
  device TEXT NOT NULL,
  slot INTEGER NOT NULL,
  product TEXT,
  price INTEGER NOT NULL CHECK (price >= 0),
  payment TEXT NOT NULL CHECK (payment IN ('cash','cashless')),
  payment_ref TEXT,
  offline INTEGER NOT NULL DEFAULT 0,
  seq INTEGER,
  ts INTEGER NOT NULL,
  clock_unsynced INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX vending_sales_device_ts ON vending_sales (device, ts);
CREATE INDEX vending_sales_seq ON vending_sales (seq);

CREATE TABLE vending_outbox (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  device TEXT NOT NULL,
  type TEXT NOT NULL,
  data TEXT NOT NULL,
  ts INTEGER NOT NULL,
  sale_id TEXT
);

CREATE TABLE vending_sessions (
  device TEXT PRIMARY KEY,
  session_id TEXT NOT NULL,
  flow TEXT NOT NULL CHECK (flow IN ('pay_first','select_first')),
  payment_ref TEXT,
  credit INTEGER,
  spent INTEGER NOT NULL DEFAULT 0,
  vend_slot INTEGER,
  vend_price INTEGER,
  vend_state TEXT CHECK (vend_state IN ('requested','approved')),
  vend_ref TEXT,
  vend_offline INTEGER NOT NULL DEFAULT 0,
  started_at INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE vending_offline_usage (
  device TEXT NOT NULL,
  day TEXT NOT NULL,
  vends INTEGER NOT NULL,
  amount INTEGER NOT NULL,
  PRIMARY KEY (device, day)
) WITHOUT ROWID;
`,
  },
  {
    version: 2,
    name: "vending payment references used by pay-first sessions",
    up: `
CREATE TABLE vending_payment_refs (
  payment_ref TEXT PRIMARY KEY,
  device TEXT NOT NULL,
  session_id TEXT NOT NULL,
  used_at INTEGER NOT NULL
) WITHOUT ROWID;
`,
  },
  {
    version: 3,
    name: "vending session rows keep the vend's request id, product and whether vend.approved is recorded",
    up: `
ALTER TABLE vending_sessions ADD COLUMN vend_request_id TEXT;
ALTER TABLE vending_sessions ADD COLUMN vend_product TEXT;
ALTER TABLE vending_sessions ADD COLUMN vend_approved_recorded INTEGER NOT NULL DEFAULT 0;
`,
  },
  {
    version: 4,
    name: "vending offline allowance per machine per 24 h window, re-anchored on clock corrections",
    up: `
CREATE TABLE vending_offline_window (
  device TEXT PRIMARY KEY,
  started_at INTEGER NOT NULL,
  vends INTEGER NOT NULL,
  amount INTEGER NOT NULL
) WITHOUT ROWID;
`,
  },
];

/** Create or upgrade the vending tables (idempotent). */
export function migrateVending(db: Database.Database): number {
  return migrate(db, "vending", VENDING_MIGRATIONS);
}
