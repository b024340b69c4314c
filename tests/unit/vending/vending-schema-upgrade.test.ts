/**
 * A store made by the first vending schema (v1) upgrades in place: the payment-reference table and
 * the session row's new columns are added, and a session a v1 gateway left open still loads (and
 * is ended on start as before).
 */
import { describe, expect, it } from "vitest";
import { migrateVending, VENDING_MIGRATIONS } from "../../../src/domain/vending/schema.js";
import { claimPaymentRef, loadSession } from "../../../src/domain/vending/store.js";
import { migrate } from "../../../src/store/migrate.js";
import { useTempDb } from "../../helpers/temp-db.js";

describe("vending schema upgrade", () => {
  const t = useTempDb();

  it("v1 → latest keeps an open session and adds the new tables and columns", () => {
    migrate(t.db, "vending", VENDING_MIGRATIONS.slice(0, 1));
    t.db
      .prepare(
        `INSERT INTO vending_sessions (device, session_id, flow, payment_ref, credit, spent, vend_slot, vend_price,
           vend_state, vend_ref, vend_offline, started_at) VALUES ('vm-1','s-1','select_first',NULL,NULL,0,12,150,'approved','pay-A',0,1)`,
      )
      .run();
    expect(migrateVending(t.db)).toBe(VENDING_MIGRATIONS.at(-1)!.version);
    const s = loadSession(t.db, "vm-1");
    expect(s?.vend).toMatchObject({
      slot: 12,
      price: 150,
      requestId: "",
      product: null,
      approvedRecorded: false,
    });
    claimPaymentRef(t.db, "pay-B", "vm-1", "s-2", 2);
    expect(() => claimPaymentRef(t.db, "pay-B", "vm-1", "s-3", 3)).toThrow(
      expect.objectContaining({ code: "QH_VEND_PAYMENT_REUSED" }),
    );
  });
});
