/**
 * The distribution bundles a lot went into, for the trace (report.ts): per bundle its round, where
 * it is (or was: the locker bank and compartment it was loaded into), its state, when it was
 * loaded, whether it was collected and when, or taken back out (`retrieved`, when and why:
 * recalled, unclaimed, remote_open); no household (the parcel list names no resident:
 * the platform, which sent the round, knows whose bundle it is). For a bundle loaded into a
 * compartment of a cold zone, the zone's readings over its stay (loaded until collected, or until
 * now while inside; a bundle that left another way: until its last change). No `breaches` list:
 * the cold chain names parcels, not bundles, in its breaches; the readings' min/max say it.
 */
import type Database from "better-sqlite3";
import type { JsonObject } from "../../core/envelope.js";
import { BUNDLE_INSIDE, bundlePlaces } from "./bundles.js";

/** A cold zone as the report needs it: which compartments ("device/compartment") it holds. */
interface Zone {
  id: string;
  compartments: readonly string[];
}

type Stats = (zone: string, from: number, to: number) => Promise<JsonObject>;

const iso = (t: number | null): string | null => (t === null ? null : new Date(t).toISOString());

/** The bundles (ids in load order) and the cold chain of the zones they were kept in. */
export async function bundlesOf(
  db: Database.Database,
  bundleIds: readonly string[],
  o: { zones?: readonly Zone[]; now: number },
  stats: Stats,
): Promise<{ bundles: JsonObject[]; coldChain: JsonObject[] }> {
  const zoneOf = new Map<string, string>();
  for (const z of o.zones ?? []) for (const c of z.compartments) zoneOf.set(c, z.id);
  const bundles: JsonObject[] = [];
  const coldChain: JsonObject[] = [];
  const known = bundlePlaces(db, bundleIds);
  const seen = new Set(known.map((b) => b.bundleId));
  for (const id of bundleIds)
    if (!seen.has(id))
      bundles.push({
        bundleId: id,
        state: "unknown",
        device: null,
        compartment: null,
        collected: false,
        retrieved: false,
      });
  for (const b of known) {
    const collected = b.state === "collected";
    bundles.push({
      bundleId: b.bundleId,
      roundId: b.roundId,
      device: b.device,
      compartment: b.compartment,
      state: b.state,
      loadedAt: iso(b.loadedAt),
      collected,
      collectedAt: collected ? iso(b.collectedAt) : null,
      retrieved: b.state === "retrieved",
      ...(b.state === "retrieved"
        ? { retrievedAt: iso(b.retrievedAt), retrieveReason: b.retrieveReason }
        : {}),
    });
    const zone = b.device && b.compartment ? zoneOf.get(`${b.device}/${b.compartment}`) : undefined;
    if (!zone || b.loadedAt === null) continue;
    const to = collected
      ? (b.collectedAt ?? b.updatedAt)
      : b.state === "retrieved"
        ? (b.retrievedAt ?? b.updatedAt)
        : BUNDLE_INSIDE.includes(b.state)
          ? o.now
          : b.updatedAt;
    coldChain.push({
      bundleId: b.bundleId,
      zone,
      device: b.device,
      compartment: b.compartment,
      from: iso(b.loadedAt),
      to: iso(to),
      ...(await stats(zone, b.loadedAt, to)),
    });
  }
  return { bundles, coldChain };
}
