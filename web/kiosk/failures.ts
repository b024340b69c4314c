/**
 * Every refusal the kiosk API can answer, mapped to a catalogue message (never the server's
 * English text): wrong code with attempts left, locked out until when, the site slowed, no
 * compartment, a cold zone in alarm, a recalled lot inside the parcel, an unreachable board, a busy door, the store, the network.
 * A supply bundle's refusals (issue 11) in the volunteer's words (loading: "deposit"; taking back:
 * "retrieve") or the resident's ("pickup").
 */
import { ApiError } from "../shared/api.js";
import type { Params } from "../shared/i18n.js";
import type { Key } from "./i18n.js";

export interface Failure {
  key: Key;
  params?: Params;
}

/** The site's IANA time zone (the kiosk status's `timeZone`); undefined: the browser's own. */
let siteTimeZone: string | undefined;

/** Sets the zone every time on the page is written in (from `GET /kiosk/{t}/status`). */
export function setSiteTimeZone(zone: string | undefined): void {
  if (zone === undefined) {
    siteTimeZone = undefined;
    return;
  }
  try {
    new Intl.DateTimeFormat("en", { timeZone: zone });
    siteTimeZone = zone;
  } catch {
    // a zone this browser does not know: keep the one we had
  }
}

const EN_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** Year, month, day, hour, minute of `d` in `timeZone` (undefined: the browser's). */
function partsOf(d: Date, timeZone: string | undefined) {
  const parts = new Intl.DateTimeFormat("en-GB", {
    timeZone,
    year: "numeric",
    month: "numeric",
    day: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  }).formatToParts(d);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? "";
  return {
    y: get("year"),
    m: Number(get("month")),
    d: Number(get("day")),
    hm: `${get("hour")}:${get("minute")}`,
  };
}

/**
 * The time of an ISO instant for a message, in the site's time zone (setSiteTimeZone; `timeZone`
 * overrides it): "14:35" today, or with the day, one unambiguous form per language: zh
 * "12月1日 14:35", en "1 Dec 14:35" (never a bare 12/01).
 */
export function localTime(iso: unknown, lang: string, now = new Date(), timeZone = siteTimeZone): string {
  const d = new Date(typeof iso === "string" ? iso : Number.NaN);
  if (Number.isNaN(d.getTime())) return "?";
  const p = partsOf(d, timeZone);
  const today = partsOf(now, timeZone);
  if (p.y === today.y && p.m === today.m && p.d === today.d) return p.hm;
  return lang === "zh" ? `${p.m}月${p.d}日 ${p.hm}` : `${p.d} ${EN_MONTHS[p.m - 1]} ${p.hm}`;
}

/**
 * `context`: what was sent (a courier code and a pickup code count alike but read differently;
 * "deposit": a parcel's barcode or a bundle's label; "retrieve": a volunteer taking a bundle back).
 */
export function failureOf(
  err: unknown,
  lang: string,
  context: "pickup" | "courier" | "deposit" | "pairing" | "retrieve",
  terminal = "",
): Failure {
  if (!(err instanceof ApiError)) return { key: "err.generic", params: { code: "?" } };
  const d = err.details ?? {};
  switch (err.code) {
    case "QH_LOCKER_CODE_WRONG":
      return {
        // "1 more time", never "1 more times" (the catalogues have a key for one try left)
        key:
          d.attemptsLeft === 1
            ? context === "courier"
              ? "err.courierWrongOne"
              : "err.codeWrongOne"
            : context === "courier"
              ? "err.courierWrong"
              : "err.codeWrong",
        params: { n: typeof d.attemptsLeft === "number" ? d.attemptsLeft : "?" },
      };
    case "QH_LOCKER_LOCKED_OUT":
      return { key: "err.lockedOut", params: { time: localTime(d.until, lang) } };
    case "QH_LOCKER_SITE_SLOWED":
      return { key: "err.siteSlowed", params: { time: localTime(d.retryAt, lang) } };
    case "QH_LOCKER_BUSY":
      return { key: "err.busy" };
    case "QH_LOCKER_WRONG_TERMINAL":
      return {
        key: context === "retrieve" ? "takeback.err.wrongTerminal" : "err.wrongTerminal",
        params: { device: String(d.device ?? "?") },
      };
    case "QH_LOCKER_PARCEL_UNKNOWN":
      return { key: "err.notDeposited" };
    case "QH_LOCKER_UNREACHABLE":
      return { key: "err.unreachable" };
    case "QH_LOCKER_NO_COMPARTMENT":
      return { key: "err.noCompartment" };
    case "QH_COLD_ZONE_ALARM":
      return { key: "err.coldAlarm" };
    case "QH_TRACE_LOT_RECALLED":
      // a distribution bundle: the volunteer keeps it apart, the resident is told of a bundle
      if (typeof d.bundleId === "string" && context === "deposit")
        return { key: "distribution.err.bundleRecalledLoad", params: { bundle: d.bundleId } };
      if (typeof d.bundleId === "string" || d.bundle === true)
        return { key: "distribution.err.bundleRecalledPickup" };
      return { key: "err.lotRecalled" };
    case "QH_TRACE_LOT_EXPIRED":
      // only a bundle's pickup gets it (no bundle id: the code may be a guess); a volunteer's label names it
      if (context === "pickup") return { key: "distribution.err.bundleExpiredPickup" };
      if (typeof d.bundleId === "string")
        return { key: "distribution.err.bundleExpiredLoad", params: { bundle: d.bundleId } };
      return {
        key: "lot.expired",
        params: { lot: String(d.lot ?? "?"), gtin: String(d.gtin ?? "?"), expiry: String(d.expiry ?? "?") },
      };
    case "QH_LOCKER_CONFLICT":
      return { key: "err.duplicate" };
    case "QH_LOCKER_SESSION":
      return { key: "err.session" };
    case "QH_LOCKER_INPUT_INVALID":
    case "QH_API_INVALID":
      return { key: context === "deposit" ? "err.invalidBarcode" : "err.invalidCode" };
    case "QH_LOCKER_TERMINAL_UNKNOWN":
      return { key: "err.terminalUnknown", params: { terminal } };
    case "QH_STORE_FULL":
    case "QH_STORE_IO":
    case "QH_STORE_CLOSED":
      return { key: "err.store" };
    case "QH_NETWORK":
      return { key: "err.network" };
    case "QH_API_SCOPE":
      return { key: "err.scope" };
    case "QH_KIOSK_PAIRING_CODE_WRONG":
      return { key: "err.pairingWrong" };
    case "QH_KIOSK_PAIRING_CODE_SPENT":
      return { key: "pairing.spent" };
    // distribution rounds (issue 11, screens/distribution.tsx)
    case "QH_DIST_OUTSIDE_SLOT": {
      const slot = (d.slot ?? {}) as { from?: unknown; to?: unknown };
      return {
        key: d.early === false ? "distribution.err.slotPassed" : "distribution.err.outsideSlot",
        params: { from: localTime(slot.from, lang), to: localTime(slot.to, lang) },
      };
    }
    case "QH_DIST_NOT_LOADED":
      return { key: "distribution.err.notLoaded" };
    case "QH_DIST_BUNDLE_UNKNOWN":
      return context === "retrieve"
        ? { key: "takeback.err.gone", params: { bundle: String(d.bundleId ?? "?") } }
        : { key: "distribution.err.unknownBundle" };
    case "QH_DIST_ROUND_CLOSED":
      return { key: "distribution.err.roundClosed" };
    case "QH_DIST_CONFLICT":
      return context === "retrieve"
        ? { key: "takeback.err.gone", params: { bundle: String(d.bundleId ?? "?") } }
        : { key: "distribution.err.conflict" };
    case "QH_DIST_NOT_RETRIEVABLE":
      return { key: "takeback.err.notRetrievable", params: { bundle: String(d.bundleId ?? "?") } };
    case "QH_DIST_RETRIEVED":
      // the resident's code after a volunteer (or the platform) took the bundle back: ask the volunteers
      return { key: RETRIEVED[String(d.reason)] ?? "distribution.err.retrieved.other" };
    case "QH_DIST_NO_COMPARTMENT_FITS":
      return { key: "distribution.err.noFit", params: { bundle: String(d.bundleId ?? "?") } };
    case "QH_DIST_NOT_EMERGENCY":
      return { key: "distribution.err.notEmergency" };
    case "QH_DIST_SESSION":
      return { key: "distribution.err.session" };
    default:
      if (err.status === 429) return { key: "err.tooMany" };
      return { key: "err.generic", params: { code: err.code } };
  }
}

/** QH_DIST_RETRIEVED's `details.reason` → the resident's words (remote_open and others: "other"). */
const RETRIEVED: Record<string, Key> = {
  recalled: "distribution.err.retrieved.recalled",
  expired: "distribution.err.retrieved.expired",
  unclaimed: "distribution.err.retrieved.unclaimed",
};

/** The refusals that mean this screen is not (or no longer) paired: back to the pairing screen. */
export function needsPairing(err: unknown): boolean {
  return err instanceof ApiError && (err.code === "QH_KIOSK_UNPAIRED" || err.code === "QH_API_UNAUTHORIZED");
}
