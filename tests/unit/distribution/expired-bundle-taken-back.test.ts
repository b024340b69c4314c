/**
 * Issue 11: a bundle whose lot expires while it waits in the locker is refused to its resident
 * (QH_TRACE_LOT_EXPIRED, "a volunteer takes it back"), so a volunteer must be able to take it back
 * while the round is still open: reason `expired`, recorded in the bundle row's CHECK-constrained
 * column and in distribution.retrieved (its contract schema); the resident's code then answers
 * QH_DIST_RETRIEVED with the reason and nothing naming the bundle.
 * Real SQLite files (the locker fixture's), the real trace part (TraceLots) on the same database,
 * a manual clock moved across the expiry date.
 */
import { afterEach, expect, it } from "vitest";
import { silentLogger } from "../../../src/core/logger.js";
import { bundlePlaces } from "../../../src/domain/trace/bundles.js";
import { TraceLots } from "../../../src/domain/trace/lots.js";
import { TraceOutbox } from "../../../src/domain/trace/outbox.js";
import { contractValidators } from "../../helpers/contract.js";
import { COURIER, KIOSK, ref } from "../locker/fixture.js";
import { type DistFixture, distFixture, ONE_AMBIENT_S as LAYOUT, putIn, takeOut } from "./fixture.js";

const GTIN = "04012345678901";
const DAY = 86_400_000;

let f: DistFixture;
afterEach(() => f.cleanup());

it("a bundle whose lot expired in the locker is taken back by a volunteer (reason expired)", async () => {
  f = await distFixture({ layout: LAYOUT });
  const outbox = new TraceOutbox(f.db, f.sink, f.clock, silentLogger());
  const lots = new TraceLots({ db: f.db, outbox, clock: f.clock, log: silentLogger(), timeZone: "UTC" });
  f.dist.setLotHooks({
    refusal: (bundleId, purpose) => lots.bundleRefusal(bundleId, purpose),
    problem: () => undefined,
    record: (now, bundleId, named) =>
      lots.recordPlannedLots(now, "gw-test", bundleId, named, "distribution.load"),
  });
  const today = lots.today();
  await f.run("distribution.load", {
    roundId: "r1",
    bundles: [
      {
        bundleId: "B1",
        household: "h-1",
        code: "910001",
        lots: [{ gtin: GTIN, lot: "MILK-1", expiry: today }],
      },
    ],
  });
  await f.dist.startLoading(KIOSK, COURIER.code);
  await f.dist.scanLabel(KIOSK, "B1");
  await putIn(f, "A01");
  // good through its day: its resident's, not the volunteer's
  await expect(f.dist.retrieve(KIOSK, "B1")).rejects.toMatchObject({ code: "QH_DIST_NOT_RETRIEVABLE" });

  f.clock.advance(2 * DAY);
  await expect(f.svc.pickup(KIOSK, "910001")).rejects.toMatchObject({ code: "QH_TRACE_LOT_EXPIRED" });
  expect(f.port.pulseCount(ref("A01"))).toBe(1); // the load pulse only
  expect(f.dist.toRetrieve().map((b) => [b.bundleId, b.reason])).toEqual([["B1", "expired"]]);
  expect(await f.dist.retrieve(KIOSK, "B1")).toMatchObject({ bundleId: "B1", reason: "expired" });
  await takeOut(f, "A01");
  expect(f.dist.bundleState("B1")).toBe("retrieved");
  const ev = f.sink.events("distribution.retrieved");
  expect(ev[0]?.data).toMatchObject({ bundleId: "B1", reason: "expired", by: COURIER.id });
  const validate = contractValidators().get("event.distribution.retrieved");
  expect(validate?.(ev[0]?.data), JSON.stringify(validate?.errors)).toBe(true);
  const gone = await f.svc.pickup(KIOSK, "910001").catch((e: unknown) => e);
  expect(gone).toMatchObject({ code: "QH_DIST_RETRIEVED", details: { reason: "expired" } });
  expect((gone as { details: object }).details).not.toHaveProperty("bundleId");
  expect(bundlePlaces(f.db, ["B1"])).toMatchObject([{ state: "retrieved", retrieveReason: "expired" }]);
});
