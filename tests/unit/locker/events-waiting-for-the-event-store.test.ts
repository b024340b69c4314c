/**
 * Locker events the event store refuses (a full store) wait in locker_outbox: counted for /health,
 * logged at most once a minute with a code and no stack (and one `component` field), never sent
 * twice once taken, and a pickup code waiting at a clean stop is reissued with a log line that
 * says so, not "lost in a crash".
 */
import { Writable } from "node:stream";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { COURIER, type Fixture, KIOSK, lockerFixture, ref } from "./fixture.js";

function capture(): { logger: pino.Logger; lines: () => Record<string, unknown>[]; raw: () => string[] } {
  const lines: Record<string, unknown>[] = [];
  const raw: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      for (const l of String(chunk).split("\n"))
        if (l.trim()) {
          raw.push(l);
          lines.push(JSON.parse(l));
        }
      done();
    },
  });
  return { logger: pino({ level: "debug" }, stream), lines: () => lines, raw: () => raw };
}

/** A deposit whose door closes while the event store refuses: its events wait. */
async function depositWhileRefused(f: Fixture, barcode: string): Promise<void> {
  await f.svc.startDeposit(KIOSK, COURIER.code);
  f.svc.scanBarcode(KIOSK, barcode);
  await f.svc.chooseSize(KIOSK, "S");
  await f.port.settle();
  await f.port.putParcel(ref("A01"));
  f.sink.refuse();
  await f.port.close(ref("A01")); // recorded: the door report does not fail
  await f.port.settle();
}

describe("locker events waiting for the event store", () => {
  let f: Fixture;
  afterEach(() => f.cleanup());

  it("are counted for /health, and logged once (no stack, one component field) however often retried", async () => {
    const log = capture();
    f = await lockerFixture({ logger: log.logger });
    await depositWhileRefused(f, "PKG-W1");
    expect(f.svc.compartment(ref("A01")).state).toBe("occupied");
    expect(f.svc.pendingEvents()).toBe(2);
    expect(f.svc.problems()).toEqual([
      "locker: 2 event(s) waiting in locker_outbox (the event store refused them)",
    ]);
    for (let i = 0; i < 5; i++) await f.svc.sweep();
    const warns = log.lines().filter((l) => (l.level as number) >= 40);
    expect(warns).toHaveLength(1);
    expect(warns[0]).toMatchObject({ code: "QH_STORE_FULL", table: "locker_outbox" });
    expect(JSON.stringify(warns[0])).not.toMatch(/"stack"/);
    for (const l of log.raw()) expect(l.match(/"component"/g)?.length ?? 0).toBeLessThanOrEqual(1);

    f.sink.accept();
    await f.svc.sweep();
    expect(f.svc.pendingEvents()).toBe(0);
    expect(f.svc.problems()).toEqual([]);
    expect(f.sink.types()).toEqual(["door.opened", "door.closed", "parcel.deposited"]);
  });

  it("a pickup code waiting at a clean stop is reissued, and the log says stop, not crash", async () => {
    const log = capture();
    f = await lockerFixture({ logger: log.logger });
    // the gateway's store has its meta table (where the clean-stop mark is kept)
    f.db.exec("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)");
    await depositWhileRefused(f, "PKG-W2");
    await f.shutdown(); // clean: stop() then close
    f.sink.accept();
    await f.restart();
    const dep = f.sink.events("parcel.deposited")[0];
    expect(dep?.data).toMatchObject({ barcode: "PKG-W2", codeReissued: true });
    const msgs = log.lines().map((l) => String(l.msg));
    expect(msgs.some((m) => /kept in memory only: new ones are issued at the next start/.test(m))).toBe(true);
    expect(msgs.some((m) => /not taken at the last stop.*reissued/.test(m))).toBe(true);
    expect(msgs.some((m) => /crash/.test(m))).toBe(false);
  });
});
