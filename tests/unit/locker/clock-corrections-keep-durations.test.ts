/**
 * Durations the locker keeps in SQLite and in memory survive clock corrections in both directions:
 * the gateway's clock (TimeKeeper) announces a correction and the locker moves its stored times by
 * the same amount (src/domain/locker/reanchor.ts). `clock.correct(ms)` plays that announcement;
 * `advance` lets monotonic and wall time flow together. Without the re-anchoring each case fails:
 * a forward correction ends a lock-out, overdues a parcel or abandons a session at once; a backward
 * one stretches them by the size of the step.
 */
import { afterEach, describe, expect, it } from "vitest";
import { COURIER, depositParcel, type Fixture, lockerFixture } from "./fixture.js";

const DAY = 86_400_000;
const HOUR = 3_600_000;

describe("clock corrections keep the locker's durations", () => {
  let f: Fixture;
  afterEach(() => f.cleanup());

  async function lockOut(terminal: string): Promise<void> {
    for (let i = 0; i < 5; i++) await f.svc.pickup(terminal, "not-a-code").catch(() => {});
    await expect(f.svc.pickup(terminal, "000000")).rejects.toMatchObject({ code: "QH_LOCKER_LOCKED_OUT" });
  }

  it("a lock-out lasts lockoutMinutes across a forward step of 3 days and a backward step of 1 hour", async () => {
    f = await lockerFixture();
    const { code } = await depositParcel(f, { barcode: "PKG-C1" });

    await lockOut("kiosk-a");
    f.clock.correct(3 * DAY); // NTP steps forward
    await f.svc.sweep();
    await expect(f.svc.pickup("kiosk-a", code)).rejects.toMatchObject({ code: "QH_LOCKER_LOCKED_OUT" });
    f.clock.advance(15 * 60_000);
    await f.svc.sweep();

    await lockOut("kiosk-b");
    f.clock.correct(-HOUR); // and backwards
    f.clock.advance(15 * 60_000);
    await f.svc.sweep();
    expect((await f.svc.pickup("kiosk-b", code)).door).toBe("pulsed");
  });

  it("a parcel stored before a forward step is not overdue until its whole window has passed", async () => {
    f = await lockerFixture({ settings: { pickupWindowHours: 48 } });
    const { parcelId } = await depositParcel(f, { barcode: "PKG-C2" });
    const deadline = Date.parse(f.svc.parcel(parcelId)!.deadline!);
    f.clock.advance(5_000);
    f.clock.correct(3 * DAY);
    f.clock.advance(1_000);
    await f.svc.sweep();
    expect(f.svc.parcel(parcelId)?.state).toBe("stored");
    expect(f.sink.events("parcel.overdue")).toHaveLength(0);
    expect(Date.parse(f.svc.parcel(parcelId)!.deadline!)).toBe(deadline + 3 * DAY);
    f.clock.advance(48 * HOUR - 6_000);
    await f.svc.sweep();
    expect(f.svc.parcel(parcelId)?.state).toBe("overdue");
  });

  it("moves only what was recorded on the clock that was off: an older parcel keeps its deadline", async () => {
    f = await lockerFixture({ settings: { pickupWindowHours: 48 } });
    const old = await depositParcel(f, { barcode: "PKG-OLD" }); // a synchronised run, last week
    const oldDeadline = Date.parse(f.svc.parcel(old.parcelId)!.deadline!);
    f.clock.advance(HOUR); // the gateway restarts on a clock that is off from here
    const since = f.clock.now();
    const fresh = await depositParcel(f, { barcode: "PKG-NEW" });
    const freshDeadline = Date.parse(f.svc.parcel(fresh.parcelId)!.deadline!);
    f.clock.correct(2 * HOUR, since);
    expect(Date.parse(f.svc.parcel(old.parcelId)!.deadline!)).toBe(oldDeadline);
    expect(Date.parse(f.svc.parcel(fresh.parcelId)!.deadline!)).toBe(freshDeadline + 2 * HOUR);
  });

  it("a door left open and a courier session keep their timers across a backward and a forward step", async () => {
    f = await lockerFixture();
    const { at } = await depositParcel(f, { barcode: "PKG-C3", size: "S" });
    await f.port.forceOpen(at);
    await f.svc.startDeposit("kiosk-c", COURIER.code);

    f.clock.correct(-HOUR);
    f.clock.advance(119_000); // doorLeftOpenSeconds and courierTimeoutSeconds: 120
    await f.svc.sweep();
    expect(f.sink.events("door.left_open")).toHaveLength(0);
    expect(f.sink.events("deposit.abandoned")).toHaveLength(0);
    f.clock.correct(3 * DAY);
    await f.svc.sweep();
    expect(f.sink.events("door.left_open")).toHaveLength(0);
    expect(f.sink.events("deposit.abandoned")).toHaveLength(0);
    f.clock.advance(1_000);
    await f.svc.sweep();
    expect(f.sink.events("door.left_open")).toHaveLength(1);
    expect(f.sink.events("deposit.abandoned")).toHaveLength(1);
  });
});
