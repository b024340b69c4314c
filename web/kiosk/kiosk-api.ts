/**
 * The kiosk API as the page uses it (docs/locker.md, "Kiosk API"; pairing: docs/contract.md).
 * Requests carry the terminal's `qh_kiosk` cookie (the page never holds a token).
 */
import { api } from "../shared/api.js";
import type { SiteModeView } from "./site-mode.js";

export type Size = "XS" | "S" | "M" | "L" | "XL";
export const SIZES: readonly Size[] = ["XS", "S", "M", "L", "XL"];
export type Available = Partial<Record<Size, number>>;

export interface DepositView {
  terminal: string;
  parcelId?: string;
  step: "scan" | "size" | "opening" | "open";
  barcode?: string;
  size?: Size;
  compartment?: string;
  device?: string;
  deposits: number;
  available: Available;
  offer?: Size;
  last?: { outcome: string; compartment?: string; reason?: string };
}

export interface CollectView {
  seq: number;
  kind: "pickup" | "retrieve";
  compartment: string;
  status: "open" | "done" | "not_removed" | "jammed";
  parcelId: string;
  /** a distribution round's bundle (collected by its code or its qh:pickup: QR) */
  bundle?: boolean;
}

/** The last lot scanned at this terminal's scanner during a deposit (src/extensions/lot-scan.ts). */
export interface LotScanNotice {
  seq: number;
  parcelId: string | null;
  /** the distribution bundle being loaded when the label was scanned */
  bundleId?: string;
  outcome: "recorded" | "expired" | "recalled" | "invalid" | "failed";
  gtin?: string;
  lot?: string;
  expiry?: string | null;
  quantity?: number;
  code?: string;
  /** the label parsed, but looks wrong (a dropped separator): the courier checks the lot shown */
  warnings?: string[];
}

/**
 * A resident's pickup code scanned at this terminal's scanner and refused (the status's
 * `pickupRefused`, src/extensions/pickup-refusal.ts): worded like a typed code's refusal.
 */
export interface PickupRefusedView {
  seq: number;
  code: string;
  /** the HTTP status the same code typed would get */
  status: number;
  message: string;
  details?: Record<string, unknown>;
}

export interface KioskStatus {
  deposit: DepositView | null;
  collect: CollectView | null;
  /** the last scanned pickup code refused here (served for a minute), or null */
  pickupRefused?: PickupRefusedView | null;
  lot?: LotScanNotice | null;
  /** cold zones a courier may ask for (chilled, frozen…): none at a site without cold lockers */
  zones?: string[];
  /** per cold zone, the free compartments per size a deposit asking for it may get */
  availableByZone?: Record<string, Available>;
  available: Available;
  /** the site's service mode (issue 11; null on a gateway without it) */
  siteMode?: SiteModeView | null;
  /** the site's IANA time zone (trace.timeZone, else the gateway's): times are shown in it */
  timeZone?: string;
}

export interface ColdBreach {
  peakC: number | null;
  minutesOutOfRange: number;
}

export interface PickupResult {
  parcelId: string;
  /** "bundle" for a distribution round's bundle of supplies (docs/emergency.md) */
  kind?: "parcel" | "bundle";
  compartment: string;
  door: string;
  coldChainBreach?: ColdBreach[];
}

/** The kiosk routes of one terminal. */
export function kioskApi(terminal: string) {
  const base = `/api/v1/kiosk/${encodeURIComponent(terminal)}`;
  return {
    whoami: () => api<{ terminal: string; paired: boolean }>("GET", `${base}/whoami`),
    pair: (pairingCode: string) => api<void>("POST", `${base}/pair`, { pairingCode }),
    status: () => api<KioskStatus>("GET", `${base}/status`),
    pickup: (code: string) => api<PickupResult>("POST", `${base}/pickup`, { code }),
    startDeposit: (courierCode: string) => api<DepositView>("POST", `${base}/deposit`, { courierCode }),
    barcode: (barcode: string) => api<DepositView>("POST", `${base}/deposit/barcode`, { barcode }),
    size: (size: Size, zone?: string) =>
      api<DepositView>("POST", `${base}/deposit/size`, zone === undefined ? { size } : { size, zone }),
    endDeposit: () => api<void>("DELETE", `${base}/deposit`),
  };
}

export type KioskApi = ReturnType<typeof kioskApi>;

/** Whether the platform uplink is up (GET /health, public): down means offline, pickups still work. */
export async function uplinkConnected(): Promise<boolean | undefined> {
  try {
    const r = await fetch("/health", { headers: { accept: "application/json" } });
    const h = (await r.json()) as { uplink?: { connected?: boolean } };
    return h.uplink?.connected;
  } catch {
    return undefined;
  }
}
