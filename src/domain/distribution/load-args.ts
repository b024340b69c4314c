import { isJsonObject, type JsonObject } from "../../core/envelope.js";
import { QhError } from "../../core/errors.js";
import { parseInstant } from "../../core/iso-time.js";
import { isValidPickupCode } from "../locker/codes.js";
import { COMPARTMENT_SIZES, type CompartmentSize, isCompartmentSize } from "../locker/ports.js";
import { HOUSEHOLD_RULE, parseHousehold } from "../site/household.js";
import { type PlannedLot, parseBundleLots, tooManyLots } from "./bundle-lots.js";
import type { BundleZone } from "./store.js";

/** At most this many bundles in one `distribution.load` command, and in one round. */
export const MAX_BUNDLES_PER_LOAD = 2000;
export const MAX_BUNDLES_PER_ROUND = 20_000;
/** At most this many rounds open at once (the kiosk's view lists each, the sweep reports each). */
export const MAX_OPEN_ROUNDS = 20;
/** A round may stay open at most this long after it is loaded (closesAt). */
export const MAX_ROUND_DAYS = 31;

const ID_RE = /^[\x21-\x7e]{1,64}$/;
const ZONES: readonly BundleZone[] = ["ambient", "chilled", "frozen"];

export interface BundleInput {
  bundleId: string;
  household: string;
  code: string;
  slot?: { from: number; to: number };
  size?: CompartmentSize;
  zone: BundleZone;
  /** the lots the platform names for the bundle (bundle-lots.ts) */
  lots?: PlannedLot[];
  /** its index in the command's `bundles` (for `args.bundles[i]` in a refusal) */
  index?: number;
}

export interface LoadInput {
  roundId: string;
  closesAt?: number;
  bundles: BundleInput[];
  /**
   * The lots of bundles left out of `bundles` for a problem of their own: still checked against
   * the recalls and expiries (RoundDesk.load), so one refusal names every problem.
   */
  lotsOfRefused?: { index: number; lots: PlannedLot[] }[];
}

/**
 * `distribution.load`'s args, every problem named at once (QH_COMMAND_INVALID, `; `-separated, as
 * docs/contract.md "Commands" says). See `readLoad`; a household id follows the gateway's one
 * rule (src/domain/site/household.ts: NFKC, trimmed, stored lower case).
 */
export function parseLoad(args: JsonObject, minCode: number): LoadInput {
  const { input, problems } = readLoad(args, minCode);
  if (problems.length > 0) invalid(problems);
  return input;
}

/**
 * `distribution.load`'s args checked without throwing: ids 1-64 printable ASCII, a code of
 * `minCode`-12 digits, a slot with `from` before `to` (ISO 8601 with an offset, or epoch ms), a size
 * and a zone from their lists, a bundle id, a household or a code twice in the same command.
 * Returns every problem (`args.…: why`) and the input read so far: each bundle whose own fields
 * are valid (also one that repeats another's id, household or code, already named), so the checks
 * against the store (RoundDesk.load) can name their problems in the same refusal.
 */
export function readLoad(args: JsonObject, minCode: number): { input: LoadInput; problems: string[] } {
  const problems: string[] = [];
  const add = (arg: string, why: string) => problems.push(`args.${arg}: ${why}`);
  const known = new Set(["roundId", "closesAt", "bundles"]);
  for (const k of Object.keys(args))
    if (!known.has(k)) add(k, "unknown argument (roundId, closesAt, bundles)");
  const roundId = args.roundId;
  if (typeof roundId !== "string" || !ID_RE.test(roundId))
    add("roundId", roundId === undefined ? "is required" : "must be 1-64 printable ASCII characters");
  let closesAt: number | undefined;
  if (args.closesAt !== undefined) {
    closesAt = time(args.closesAt);
    if (closesAt === undefined)
      add("closesAt", "must be an ISO 8601 time with an offset, or epoch milliseconds");
  }
  const list = args.bundles;
  const bundles: BundleInput[] = [];
  const lotsOfRefused: { index: number; lots: PlannedLot[] }[] = [];
  if (!Array.isArray(list) || list.length === 0 || list.length > MAX_BUNDLES_PER_LOAD) {
    add("bundles", `must be an array of 1-${MAX_BUNDLES_PER_LOAD} bundles`);
  } else {
    const ids = new Map<string, number>();
    const households = new Map<string, number>();
    const codes = new Map<string, number>();
    // too many lots in all: named, and no lot read (bundle-lots.ts MAX_LOTS_PER_LOAD)
    const lotsOver = tooManyLots(list);
    if (lotsOver) add("bundles", lotsOver);
    list.forEach((b: unknown, i: number) => {
      const at = `bundles[${i}]`;
      if (!isJsonObject(b)) {
        add(at, "must be an object { bundleId, household, code, slot?, size?, zone?, lots? }");
        return;
      }
      let ok = problems.length;
      for (const k of Object.keys(b))
        if (!["bundleId", "household", "code", "slot", "size", "zone", "lots"].includes(k))
          add(`${at}.${k}`, "unknown field (bundleId, household, code, slot, size, zone, lots)");
      const { bundleId, household, code } = b;
      if (typeof bundleId !== "string" || !ID_RE.test(bundleId))
        add(
          `${at}.bundleId`,
          bundleId === undefined ? "is required" : "must be 1-64 printable ASCII characters",
        );
      else if (ids.has(bundleId)) {
        add(`${at}.bundleId`, `${bundleId} is also bundles[${ids.get(bundleId)}]`);
        ok++; // named; the bundle is still checked against the store
      } else ids.set(bundleId, i);
      const hh = parseHousehold(household);
      if (hh === undefined)
        add(`${at}.household`, household === undefined ? "is required" : `must be ${HOUSEHOLD_RULE}`);
      else if (households.has(hh)) {
        add(
          `${at}.household`,
          `${hh} has bundles[${households.get(hh)}] already: one bundle per household per round`,
        );
        ok++;
      } else households.set(hh, i);
      if (!isValidPickupCode(code) || code.length < minCode)
        add(`${at}.code`, `must be a string of ${minCode}-12 digits (locker.codeLength is ${minCode})`);
      else if (codes.has(code)) {
        add(`${at}.code`, `the same code as bundles[${codes.get(code)}]`);
        ok++;
      } else codes.set(code, i);
      let slot: BundleInput["slot"];
      if (b.slot !== undefined) {
        const s = b.slot;
        const from = isJsonObject(s) ? time(s.from) : undefined;
        const to = isJsonObject(s) ? time(s.to) : undefined;
        if (!isJsonObject(s) || from === undefined || to === undefined)
          add(`${at}.slot`, "must be { from, to }, ISO 8601 times with an offset");
        else if (to <= from) add(`${at}.slot`, "to must be after from");
        else slot = { from, to };
      }
      if (b.size !== undefined && !isCompartmentSize(b.size))
        add(`${at}.size`, `must be one of ${COMPARTMENT_SIZES.join(", ")}`);
      if (b.zone !== undefined && !ZONES.includes(b.zone as BundleZone))
        add(`${at}.zone`, `must be one of ${ZONES.join(", ")}`);
      const lots = lotsOver ? undefined : parseBundleLots(b.lots, at, add);
      if (problems.length > ok) {
        if (lots && lots.length > 0) lotsOfRefused.push({ index: i, lots });
        return;
      }
      bundles.push({
        bundleId: bundleId as string,
        household: hh as string,
        code: code as string,
        ...(slot ? { slot } : {}),
        ...(b.size !== undefined ? { size: b.size as CompartmentSize } : {}),
        zone: (b.zone as BundleZone | undefined) ?? "ambient",
        ...(lots && lots.length > 0 ? { lots } : {}),
        index: i,
      });
    });
  }
  const input: LoadInput = {
    roundId: typeof roundId === "string" && ID_RE.test(roundId) ? roundId : "",
    ...(closesAt !== undefined ? { closesAt } : {}),
    bundles,
    ...(lotsOfRefused.length > 0 ? { lotsOfRefused } : {}),
  };
  return { input, problems };
}

/** QH_COMMAND_INVALID naming every problem. */
export function invalid(problems: string[]): never {
  throw new QhError(
    "QH_COMMAND_INVALID",
    problems.slice(0, 50).join("; ") + (problems.length > 50 ? `; … ${problems.length - 50} more` : ""),
    {
      problems: problems.slice(0, 200),
    },
  );
}

/** ISO 8601 with a zone designator (never read as local time), or epoch ms; undefined if neither. */
export function time(v: unknown): number | undefined {
  return parseInstant(v);
}
