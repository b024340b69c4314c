/**
 * Issue 11 (attacker review 2): a synced code signs in as a volunteer only if the platform gave it
 * the `volunteer` role, and deposits parcels only with the `courier` role (`courier.codes.set`
 * `roles`, default both). A courier kept out of volunteer duty cannot sign in at the bundle desk
 * (a wrong code there, counted toward the terminal's lockout); a volunteer-only code opens no
 * courier session. Unknown roles and fields are refused naming the key. Real SQLite files (the
 * locker fixture), the real command handler.
 */
import { afterEach, expect, it } from "vitest";
import { command, KIOSK } from "../locker/fixture.js";
import { type DistFixture, distFixture } from "./fixture.js";

let f: DistFixture;
afterEach(() => f.cleanup());

it("roles decide which desk a synced code opens", async () => {
  f = await distFixture();
  await command(f, "courier.codes.set", {
    couriers: [
      { id: "courier-only", code: "KQXWZV", roles: ["courier"] },
      { id: "vol-only", code: "MRTPLB", roles: ["volunteer"] },
      { id: "both", code: "ZZTOPQ" },
    ],
  });
  await expect(f.dist.startLoading(KIOSK, "KQXWZV")).rejects.toMatchObject({ code: "QH_LOCKER_CODE_WRONG" });
  await expect(f.svc.startDeposit(KIOSK, "MRTPLB")).rejects.toMatchObject({ code: "QH_LOCKER_CODE_WRONG" });
  expect(await f.dist.startLoading(KIOSK, "MRTPLB")).toMatchObject({ volunteer: "vol-only" });
  f.dist.endLoading(KIOSK);
  expect((await f.svc.startDeposit(KIOSK, "ZZTOPQ")).courier).toBe("both");
});

it("a courier whose role the platform took away mid-session opens no door: the session ends", async () => {
  f = await distFixture();
  await command(f, "courier.codes.set", { couriers: [{ id: "c-1", code: "KQXWZV" }] });
  await f.svc.startDeposit(KIOSK, "KQXWZV");
  await command(f, "courier.codes.set", { couriers: [{ id: "c-1", code: "KQXWZV", roles: ["volunteer"] }] });
  expect(() => f.svc.scanBarcode(KIOSK, "PKG-1")).toThrow(
    expect.objectContaining({ code: "QH_LOCKER_SESSION" }),
  );
  expect(f.svc.depositSession(KIOSK)).toBeUndefined();
  expect(f.port.pulses).toEqual([]);
});

it("refuses unknown roles and fields, naming the key", async () => {
  f = await distFixture();
  const bad = async (c: Record<string, unknown>) =>
    command(f, "courier.codes.set", { couriers: [c] }).then(
      (r) => r,
      (e: unknown) => e,
    );
  expect(await bad({ id: "a", code: "KQXWZV", roles: ["admin"] })).toMatchObject({
    code: "QH_COMMAND_INVALID",
    message: expect.stringContaining("couriers[0].roles"),
  });
  expect(await bad({ id: "a", code: "KQXWZV", roles: [] })).toMatchObject({ code: "QH_COMMAND_INVALID" });
  expect(await bad({ id: "a", code: "KQXWZV", role: "volunteer" })).toMatchObject({
    code: "QH_COMMAND_INVALID",
    message: expect.stringContaining("couriers[0].role"),
  });
});
