import { afterEach, describe, expect, it } from "vitest";
import { COURIER, depositParcel, type Fixture, lockerFixture } from "./fixture.js";

describe("wrong codes at a terminal", () => {
  let f: Fixture;
  afterEach(() => f.cleanup());

  it("lock the terminal out for lockoutMinutes after maxWrongCodes, with kiosk.locked_out; other terminals still work", async () => {
    f = await lockerFixture();
    const { code } = await depositParcel(f, { barcode: "PKG-L1" });
    const wrong = code === "000000" ? "000001" : "000000";

    for (let i = 1; i <= 4; i++) {
      await expect(f.svc.pickup("kiosk-x", wrong)).rejects.toMatchObject({
        code: "QH_LOCKER_CODE_WRONG",
        details: { attemptsLeft: 5 - i },
      });
    }
    expect(f.sink.events("kiosk.locked_out")).toHaveLength(0);
    // Garbage counts as a wrong code too.
    await expect(f.svc.pickup("kiosk-x", "not-a-code")).rejects.toMatchObject({
      code: "QH_LOCKER_LOCKED_OUT",
    });
    const ev = f.sink.events("kiosk.locked_out");
    expect(ev).toHaveLength(1);
    expect(ev[0]?.device).toBe("kiosk-x");
    expect(ev[0]?.data).toMatchObject({
      terminal: "kiosk-x",
      attempts: 5,
      lockoutMinutes: 15,
      until: new Date(f.clock.now() + 15 * 60_000).toISOString(),
    });

    // Locked: even the right code is refused, and courier codes too; no pulse goes out.
    const pulses = f.port.pulses.length;
    await expect(f.svc.pickup("kiosk-x", code)).rejects.toMatchObject({ code: "QH_LOCKER_LOCKED_OUT" });
    await expect(f.svc.startDeposit("kiosk-x", COURIER.code)).rejects.toMatchObject({
      code: "QH_LOCKER_LOCKED_OUT",
    });
    expect(f.port.pulses.length).toBe(pulses);

    // Another terminal is not affected.
    await expect(f.svc.pickup("kiosk-y", wrong)).rejects.toMatchObject({ code: "QH_LOCKER_CODE_WRONG" });

    // After lockoutMinutes the terminal works again.
    f.clock.advance(15 * 60_000);
    await f.svc.sweep();
    const r = await f.svc.pickup("kiosk-x", code);
    expect(r.door).toBe("pulsed");
  });

  it("counts wrong courier codes, forgets wrong codes outside the window, and survives a restart", async () => {
    f = await lockerFixture();
    for (let i = 0; i < 4; i++) {
      await expect(f.svc.startDeposit("kiosk-z", "WRONGCODE")).rejects.toMatchObject({
        code: "QH_LOCKER_CODE_WRONG",
      });
    }
    // 16 minutes later the window (15 min) has passed: counting starts again.
    f.clock.advance(16 * 60_000);
    await expect(f.svc.retrieve("kiosk-z", "WRONGCODE")).rejects.toMatchObject({
      code: "QH_LOCKER_CODE_WRONG",
      details: { attemptsLeft: 4 },
    });
    for (let i = 0; i < 3; i++) {
      await expect(f.svc.pickup("kiosk-z", "123")).rejects.toMatchObject({ code: "QH_LOCKER_CODE_WRONG" });
    }
    // The count is in SQLite: a restart does not reset it.
    await f.shutdown();
    await f.restart();
    await expect(f.svc.pickup("kiosk-z", "123")).rejects.toMatchObject({ code: "QH_LOCKER_LOCKED_OUT" });
    await f.shutdown();
    await f.restart();
    await expect(f.svc.startDeposit("kiosk-z", COURIER.code)).rejects.toMatchObject({
      code: "QH_LOCKER_LOCKED_OUT",
    });
  });

  it("a right code clears the count", async () => {
    f = await lockerFixture();
    for (let i = 0; i < 4; i++) {
      await expect(f.svc.startDeposit("kiosk-w", "WRONGCODE")).rejects.toMatchObject({
        code: "QH_LOCKER_CODE_WRONG",
      });
    }
    await f.svc.startDeposit("kiosk-w", COURIER.code);
    f.svc.endDeposit("kiosk-w");
    await expect(f.svc.startDeposit("kiosk-w", "WRONGCODE")).rejects.toMatchObject({
      code: "QH_LOCKER_CODE_WRONG",
      details: { attemptsLeft: 4 },
    });
  });
});
