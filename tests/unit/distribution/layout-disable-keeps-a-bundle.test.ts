/**
 * The site layout (issue 12) disabling a compartment that holds a distribution bundle (issue 11):
 * as for a parcel, the bundle stays collectable, the compartment is listed `pending` and stays
 * `occupied` (not out of service while the bundle is inside), and goes out of service (disabled
 * by the layout) once its resident took the bundle out. Attacker review 2 found it shown
 * `out_of_service` at once and left out of `pending`. Real SQLite files (the locker fixture), the
 * LayoutKeeper settled after every published state as the locker extension wires it.
 */
import { afterEach, expect, it } from "vitest";
import { silentLogger } from "../../../src/core/logger.js";
import { LayoutKeeper } from "../../../src/domain/locker/layout-keeper.js";
import type { LockerBankLayout } from "../../../src/domain/locker/ports.js";
import { COURIER, DEVICE, KIOSK, LAYOUT, ref } from "../locker/fixture.js";
import { type DistFixture, distFixture, putIn, takeOut } from "./fixture.js";

let f: DistFixture;
let keeper: LayoutKeeper | undefined;
afterEach(() => f.cleanup());

it("keeps a bundle's compartment in service until the bundle is collected, then disables it", async () => {
  f = await distFixture({ onState: () => void keeper?.settle() });
  keeper = new LayoutKeeper({ db: f.db, target: f.svc, log: silentLogger(), now: () => f.clock.now() });
  await keeper.apply(LAYOUT);
  await f.run("distribution.load", {
    roundId: "r1",
    bundles: [{ bundleId: "B1", household: "h-1", code: "910001", size: "S" }],
  });
  await f.dist.startLoading(KIOSK, COURIER.code);
  const at = (await f.dist.scanLabel(KIOSK, "B1")) as { compartment: string };
  await putIn(f, at.compartment);
  f.dist.endLoading(KIOSK);

  const off = LAYOUT.map((b) => ({
    ...b,
    compartments: b.compartments.map((c) => (c.id === at.compartment ? { ...c, enabled: false } : c)),
  })) as LockerBankLayout[];
  const r = await keeper.apply(off);
  expect(r.pending).toEqual([{ device: DEVICE, compartment: at.compartment }]);
  expect(f.svc.compartment(ref(at.compartment)).state).toBe("occupied");

  expect(await f.svc.pickup(KIOSK, "910001")).toMatchObject({ bundleId: "B1", compartment: at.compartment });
  await takeOut(f, at.compartment);
  expect(f.dist.bundleState("B1")).toBe("collected");
  await f.port.settle();
  expect(f.svc.compartment(ref(at.compartment))).toMatchObject({
    state: "out_of_service",
    reason: "disabled",
  });
  expect(keeper.pending()).toEqual([]);
});
