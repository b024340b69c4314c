/**
 * A bundle's pickup code is never also a parcel's: the gateway's issuer draws again past a code a
 * bundle still in the lockers (or about to be) holds, and a platform-chosen code (locker.reserve)
 * equal to one is refused with QH_LOCKER_CODE_IN_USE. Otherwise the bundle's household, typing
 * its own code, would open the parcel's door (parcels are tried before bundles).
 */
import { afterEach, describe, expect, it } from "vitest";
import { COURIER, command, depositParcel, KIOSK, ref } from "../locker/fixture.js";
import { type DistFixture, distFixture, putIn } from "./fixture.js";

const DAY = 86_400_000;

describe("bundle codes and parcel codes never collide", () => {
  let f: DistFixture;
  afterEach(() => f.cleanup());

  it("the issuer never gives a parcel a code a bundle holds (4-digit codes, 400 of 10,000 taken)", async () => {
    // the strictest guard (2 wrong codes per 30 days) lets 4-digit bundle codes be as dense as
    // distribution.load allows: 6 compartments + 400 bundles take a year to guess one of
    f = await distFixture({ settings: { codeLength: 4, siteMaxWrongCodes: 1, siteWindowHours: 720 } });
    const bundles = Array.from({ length: 400 }, (_, i) => ({
      bundleId: `B${i}`,
      household: `h${i}`,
      code: String(i).padStart(4, "0"),
    }));
    await f.run("distribution.load", { roundId: "r1", bundles });
    // the issuer every deposit and code reissue uses (without the fix, 400 draws all missing the
    // bundles' codes has a chance of 0.96^400, under 1e-7)
    const issued: string[] = [];
    const { parcelId } = await depositParcel(f, { barcode: "PKG-0", size: "S" });
    for (let i = 0; i < 400; i++) issued.push(f.svc.holds.pickupCodes.issue(parcelId));
    expect(issued.filter((c) => Number(c) < 400)).toEqual([]);
    // and through the courier's deposits: each code opens its parcel, none is a bundle's
    const codes: string[] = [];
    for (let n = 1; n < 5; n++) {
      const { code } = await depositParcel(f, { barcode: `PKG-${n}`, size: "S" });
      codes.push(code);
    }
    expect(codes.filter((c) => Number(c) < 400)).toEqual([]);
  });

  it("refuses a reservation whose platform code is a loaded bundle's; the bundle's household opens only its bundle", async () => {
    f = await distFixture();
    await f.run("distribution.load", {
      roundId: "r1",
      bundles: [
        { bundleId: "B1", household: "h1", code: "410001" },
        { bundleId: "B2", household: "h2", code: "410002" },
      ],
    });
    await f.dist.startLoading(KIOSK, COURIER.code);
    const v = await f.dist.scanLabel(KIOSK, "B1");
    await putIn(f, v.compartment as string);
    f.dist.endLoading(KIOSK);
    const deadline = new Date(f.clock.now() + DAY).toISOString();
    // a loaded bundle's code, and a bundle's not loaded yet: both refused, with a code
    for (const pickupCode of ["410001", "410002"])
      await expect(
        command(f, "locker.reserve", { orderId: `o-${pickupCode}`, size: "S", pickupCode, deadline }),
      ).rejects.toMatchObject({ code: "QH_LOCKER_CODE_IN_USE", message: expect.stringMatching(/bundle/) });
    expect(f.svc.compartment(ref("A02")).state).toBe("free");
    // the household's code opens its bundle's door
    const got = await f.svc.pickup(KIOSK, "410001");
    expect(got).toMatchObject({ kind: "bundle", bundleId: "B1", compartment: v.compartment });
  });

  it("a bundle's code stays refused for a reservation after the bundle is collected (its household keeps the slip)", async () => {
    f = await distFixture();
    await f.run("distribution.load", {
      roundId: "r1",
      bundles: [{ bundleId: "B1", household: "h1", code: "410001" }],
    });
    await f.dist.startLoading(KIOSK, COURIER.code);
    const v = await f.dist.scanLabel(KIOSK, "B1");
    await putIn(f, v.compartment as string);
    f.dist.endLoading(KIOSK);
    await f.svc.pickup(KIOSK, "410001");
    await f.port.settle();
    const at = ref(v.compartment as string);
    await f.port.takeParcel(at);
    await f.port.close(at);
    await f.port.settle();
    expect(f.dist.bundleState("B1")).toBe("collected");
    const deadline = new Date(f.clock.now() + DAY).toISOString();
    await expect(
      command(f, "locker.reserve", { orderId: "o-1", size: "S", pickupCode: "410001", deadline }),
    ).rejects.toMatchObject({ code: "QH_LOCKER_CODE_IN_USE" });
  });
});
