/**
 * Issue 7: a pulse whose board goes silent (no answer to the pulse, none to the read after it) has
 * an unknown outcome: the door may be open. The deposit stops there (parcel.deposit_failed
 * `unreachable`, 503 for the courier), no other door is pulsed, the pulse stays pending, and no jam
 * is declared while the door cannot be seen. The follow-up after a jam that meets such a board (or
 * a board that took no pulse, or only compartments another vertical's gate refuses: a cold zone in
 * alarm) ends the flow correctly and logs no error (level 50).
 */
import { Writable } from "node:stream";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { isQhError, QhError } from "../../../src/core/errors.js";
import type { LockerBankLayout } from "../../../src/domain/locker/ports.js";
import { COURIER, type Fixture, KIOSK, lockerFixture, ref } from "./fixture.js";

const S = (id: string) => ({
  id,
  size: "S" as const,
  zone: "ambient" as const,
  sensors: { door: true, presence: true },
  board: 0,
});
const TWO_LOCKERS: LockerBankLayout[] = [
  { device: "locker-a", compartments: [S("A01")] },
  { device: "locker-b", compartments: [S("B01")] },
];

function capture(): { logger: pino.Logger; levels: () => number[]; lines: () => Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      for (const l of String(chunk).split("\n")) if (l.trim()) lines.push(JSON.parse(l));
      done();
    },
  });
  return {
    logger: pino({ level: "debug" }, stream),
    levels: () => lines.map((l) => l.level as number),
    lines: () => lines,
  };
}

describe("a pulse whose outcome is unknown", () => {
  let f: Fixture;
  afterEach(() => f.cleanup());

  it("stops the deposit: one pulse, no other door, unreachable, and no jam while the door cannot be seen", async () => {
    f = await lockerFixture({ layout: TWO_LOCKERS });
    f.port.setSilent("locker-a");
    await f.svc.startDeposit(KIOSK, COURIER.code);
    f.svc.scanBarcode(KIOSK, "PKG-SILENT-1");
    let caught: unknown;
    try {
      await f.svc.chooseSize(KIOSK, "S");
    } catch (err) {
      caught = err;
    }
    expect(isQhError(caught, "QH_LOCKER_UNREACHABLE")).toBe(true);
    await f.port.settle();
    // one pulse, to A01; B01 (free, reachable) was NOT pulsed in its place
    expect(f.port.pulses).toEqual([ref("A01", "locker-a")]);
    expect(f.sink.events("parcel.deposit_failed").map((e) => e.data)).toEqual([
      expect.objectContaining({ barcode: "PKG-SILENT-1", compartment: "A01", reason: "unreachable" }),
    ]);
    expect(f.svc.depositSession(KIOSK)).toMatchObject({
      step: "size",
      barcode: "PKG-SILENT-1",
      last: { outcome: "deposit_failed", reason: "unreachable" },
    });
    // the driver's read failed too: the board is unreachable; past the open timeout, still no jam
    f.port.setReachable("locker-a", 0, false);
    f.clock.advance(30_000);
    await f.svc.sweep();
    expect(f.sink.events("door.jammed")).toHaveLength(0);
    expect(f.svc.compartment(ref("A01", "locker-a"))).toMatchObject({ reason: null, reachable: false });
    // the board answers again and shows the door open: the pulse explains it (not forced)
    f.port.setSilent("locker-a", false);
    f.port.setReachable("locker-a", 0, true);
    await f.port.pullOpen(ref("A01", "locker-a"));
    await f.port.settle();
    expect(f.sink.events("door.opened").at(-1)?.data).toMatchObject({ compartment: "A01", expected: true });
    expect(f.sink.events("door.forced")).toHaveLength(0);
  });

  for (const board of ["silent after the pulse", "not taking the pulse"] as const) {
    it(`after a jam, a next compartment whose board is ${board} ends the flow without an error log`, async () => {
      const log = capture();
      f = await lockerFixture({ layout: TWO_LOCKERS, logger: log.logger });
      f.port.jam(ref("A01", "locker-a"));
      await f.svc.startDeposit(KIOSK, COURIER.code);
      f.svc.scanBarcode(KIOSK, "PKG-JAM-2");
      await f.svc.chooseSize(KIOSK, "S");
      if (board === "silent after the pulse") f.port.setSilent("locker-b");
      else f.port.setReachable("locker-b", 0, false, false);
      f.clock.advance(11_000);
      await f.svc.sweep();
      await f.port.settle();
      expect(f.sink.events("door.jammed").map((e) => e.data.compartment)).toEqual(["A01"]);
      const failed = f.sink.events("parcel.deposit_failed").map((e) => e.data.reason);
      expect(failed).toEqual([board === "silent after the pulse" ? "unreachable" : "no_compartment"]);
      expect(f.svc.depositSession(KIOSK)).toMatchObject({ step: "size", barcode: "PKG-JAM-2" });
      // the flow ended correctly: warnings, but nothing at level 50 ("locker follow-up failed")
      expect(log.levels().filter((l) => l >= 50)).toEqual([]);
      expect(
        log.lines().some((l) => l.msg === "locker: no other compartment could be opened after a jam"),
      ).toBe(true);
    });
  }

  it("after a jam, a next compartment refused by the gate (its cold zone in alarm) ends the flow without an error log", async () => {
    const log = capture();
    f = await lockerFixture({ layout: TWO_LOCKERS, logger: log.logger });
    // B01 is in a cold zone whose alarm refuses deposits; A01 (ambient) is tried first and jams
    f.svc.setGate({
      zoneOf: (r) => (r.device === "locker-b" ? "chilled" : undefined),
      refusal: (r) =>
        r.device === "locker-b"
          ? new QhError("QH_COLD_ZONE_ALARM", "zone chilled is in alarm", { zone: "chilled" })
          : undefined,
    });
    f.port.jam(ref("A01", "locker-a"));
    await f.svc.startDeposit(KIOSK, COURIER.code);
    f.svc.scanBarcode(KIOSK, "PKG-JAM-COLD");
    await f.svc.chooseSize(KIOSK, "S");
    f.clock.advance(11_000);
    await f.svc.sweep();
    await f.port.settle();
    expect(f.port.pulses).toEqual([ref("A01", "locker-a")]);
    expect(f.sink.events("door.jammed").map((e) => e.data.compartment)).toEqual(["A01"]);
    expect(f.sink.events("parcel.deposit_failed").map((e) => e.data.reason)).toEqual(["no_compartment"]);
    expect(f.svc.depositSession(KIOSK)).toMatchObject({ step: "size", barcode: "PKG-JAM-COLD" });
    // the flow ended correctly: a warning naming the gate's code, nothing at level 50
    expect(log.levels().filter((l) => l >= 50)).toEqual([]);
    expect(
      log
        .lines()
        .some(
          (l) =>
            l.msg === "locker: no other compartment could be opened after a jam" &&
            l.code === "QH_COLD_ZONE_ALARM",
        ),
    ).toBe(true);
  });
});
