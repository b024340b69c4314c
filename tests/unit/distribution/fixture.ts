/**
 * A distribution round on the locker's behaviour fixture (real SQLite files, the fake lock port
 * for the hardware, a manual clock) and a tiny in-memory site mode (the SiteMode seam, as the
 * site extension provides it: src/domain/site/mode-types.ts).
 */
import type { JsonObject } from "../../../src/core/envelope.js";
import { DistributionService } from "../../../src/domain/distribution/service.js";
import type { SiteMode, SiteModeName, SiteModeState } from "../../../src/domain/site/mode-types.js";
import { COURIER, type Fixture, type FixtureOptions, KIOSK, lockerFixture } from "../locker/fixture.js";

export class MemoryMode implements SiteMode {
  private state: SiteModeState;
  private readonly listeners = new Set<(n: SiteModeState, p: SiteModeState) => void>();
  constructor(mode: SiteModeName = "emergency") {
    this.state = { mode, reason: null, since: new Date().toISOString(), until: null, commandId: null };
  }
  current(): SiteModeState {
    return this.state;
  }
  onChange(l: (n: SiteModeState, p: SiteModeState) => void): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }
  set(mode: SiteModeName): void {
    const previous = this.state;
    this.state = { ...previous, mode, reason: "test", since: new Date().toISOString() };
    for (const l of this.listeners) l(this.state, previous);
  }
}

export interface DistFixture extends Fixture {
  dist: DistributionService;
  mode: MemoryMode;
  run(name: string, args: JsonObject): Promise<JsonObject>;
}

export async function distFixture(
  opts: FixtureOptions & { mode?: SiteModeName; zones?: Record<string, string> } = {},
): Promise<DistFixture> {
  const f = (await lockerFixture(opts)) as DistFixture;
  f.mode = new MemoryMode(opts.mode ?? "emergency");
  const zoneOf = opts.zones ?? {};
  if (Object.keys(zoneOf).length > 0) {
    // the cold chain's gate seam: which compartment is in which cold zone (none in alarm)
    f.svc.setGate({
      zoneOf: (r) => (zoneOf[r.compartment] ? "cold-1" : undefined),
      refusal: () => undefined,
    });
  }
  f.dist = new DistributionService({
    holds: f.svc.holds,
    mode: f.mode,
    siteDevice: "gw-test",
    zoneKinds: new Map([["cold-1", "chilled"]]),
    clock: f.clock,
    sweepIntervalMs: 0,
  });
  await f.dist.start();
  let n = 0;
  f.run = (name, args) => {
    const h = f.dist.commands()[name];
    if (!h) throw new Error(`no ${name}`);
    return h(args, { id: `dist-cmd-${++n}` });
  };
  const cleanup = f.cleanup.bind(f);
  f.cleanup = async () => {
    await f.dist.stop();
    await cleanup();
  };
  return f;
}

/** Put the bundle in through the open door and shut it; the door truth settles. */
export async function putIn(f: DistFixture, compartment: string): Promise<void> {
  await f.port.settle();
  const r = { device: "locker-a", compartment };
  await f.port.putParcel(r);
  await f.port.close(r);
  await f.port.settle();
}

/** Take the bundle out through the open door and shut it. */
export async function takeOut(f: DistFixture, compartment: string): Promise<void> {
  await f.port.settle();
  const r = { device: "locker-a", compartment };
  await f.port.takeParcel(r);
  await f.port.close(r);
  await f.port.settle();
}

/**
 * One bundle loaded through the whole path: `distribution.load` of a one-bundle round, a
 * volunteer's sign-in and label, the bundle put in behind its door (expected: `compartment`) and
 * the door shut; the volunteer's session ends unless `keepSession`.
 */
export async function loadOne(
  f: DistFixture,
  b: { roundId?: string; bundleId: string; household: string; code: string; compartment: string },
  o: { keepSession?: boolean } = {},
): Promise<void> {
  await f.run("distribution.load", {
    roundId: b.roundId ?? "r1",
    bundles: [{ bundleId: b.bundleId, household: b.household, code: b.code }],
  });
  await f.dist.startLoading(KIOSK, COURIER.code);
  await f.dist.scanLabel(KIOSK, b.bundleId);
  await putIn(f, b.compartment);
  if (!o.keepSession) f.dist.endLoading(KIOSK);
}

/** A site of one small ambient compartment (A01 on locker-a), for the one-bundle cases. */
export const ONE_AMBIENT_S = [
  {
    device: "locker-a",
    compartments: [
      { id: "A01", size: "S" as const, zone: "ambient", sensors: { door: true, presence: true }, board: 0 },
    ],
  },
];
