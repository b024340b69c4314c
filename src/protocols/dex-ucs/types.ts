/**
 * The parsed shape of an EVA-DTS (DEX/UCS) audit file. Money is in the machine's smallest currency
 * unit (`currency.decimals` says where the point goes), as the file carries it. A field the file
 * leaves empty or omits is `null`. See firmware-protocols/dex-ucs/SPEC.md for each segment.
 */

/** One line of the file from `DXS` on: its tag, its fields (tag excluded) and its 1-based line. */
export interface DexSegment {
  tag: string;
  fields: string[];
  line: number;
}

/** A count and a value (money, smallest unit). */
export interface Tally {
  count: number | null;
  value: number | null;
}

/** A tally since the machine's initialisation and since the last reset (the last audit read). */
export interface InitReset {
  init: Tally;
  reset: Tally;
}

/** `PA7`: one product's sales through one payment device and price list. */
export interface DexDeviceSales extends InitReset {
  /** CA cash, DA first cashless, DB second cashless, TA token (others kept as written) */
  device: string;
  priceList: number | null;
  price: number | null;
}

export interface DexProduct {
  /** the 1-based line of its `PA1` (a product number given twice has two blocks: both kept) */
  line: number;
  /** the product (selection) number as written, e.g. "12" or "A3" */
  number: string;
  /** the name with its padding removed (`rawName` keeps it) */
  name: string | null;
  rawName: string | null;
  price: number | null;
  /** `PA2` paid vends of this product */
  vends: InitReset | null;
  /** `PA3` test vends, `PA4` free vends (counts; values are rarely set) */
  testVends: InitReset | null;
  freeVends: InitReset | null;
  /** `PA5` date/time of the last sale and `PA8` as written */
  extra: DexSegment[];
  /** `PA7` per payment device */
  byDevice: DexDeviceSales[];
}

/** `LA1`: a price list entry. */
export interface DexPriceListEntry {
  priceList: number | null;
  product: string;
  price: number | null;
  countInit: number | null;
  countReset: number | null;
}

/** `EA1` (event), `EA2` (event counts) and the other `EA*` segments. */
export interface DexEvent {
  tag: string;
  code: string | null;
  /** ISO `YYYY-MM-DD` from YYMMDD or CCYYMMDD, null when absent or not a date */
  date: string | null;
  /** `HH:MM` or `HH:MM:SS` */
  time: string | null;
  fields: string[];
  line: number;
}

export interface DexPaymentDevice {
  /** "DA" (cashless 1) or "DB" (cashless 2) */
  kind: string;
  /** `DA1`/`DB1`: serial, model, software revision */
  serial: string | null;
  model: string | null;
  /** `DA2`/`DB2` cashless sales */
  sales: InitReset | null;
}

export type G85Status = "ok" | "mismatch" | "malformed" | "absent";

/**
 * The integrity verdict:
 * - `verified`: `G85` present and equal to the CRC computed over `ST` … the line before `G85`,
 *   and nothing but `SE` / `DXE` after it;
 * - `corrupt`: `G85` present and wrong (or not hex): the data cannot be trusted;
 * - `truncated`: the file ends before `G85` and `DXE` (cut short): what there is was parsed;
 * - `unverified`: complete (`DXE` reached) but without a `G85` to check, or with data after a
 *   correct `G85` that it does not cover.
 */
export type DexVerdict = "verified" | "corrupt" | "truncated" | "unverified";

export interface DexIntegrity {
  verdict: DexVerdict;
  g85: { status: G85Status; declared: string | null; computed: string | null; line: number | null };
  /** `SE` declared count vs the segments counted from `ST` to `SE` inclusive; never a rejection */
  segmentCount: { declared: number | null; actual: number; ok: boolean | null };
  /** true when `DXE` was not reached */
  truncated: boolean;
  /** a last line without line ending in a file cut short: kept as written, not interpreted */
  partialLine: string | null;
  /** the file's own line endings */
  lineEndings: "crlf" | "lf" | "cr" | "mixed" | "none";
  /** everything odd that did not stop the parse, in file order */
  warnings: string[];
}

export interface DexAudit {
  /** lines before `DXS` (vendor lines such as `MC5*…`), kept as written */
  preamble: string[];
  /** `DXS`: communication id, functional id, version, transmission control */
  dxs: { sender: string | null; functional: string | null; version: string | null } | null;
  machine: {
    /** `ID1`: serial, model, build standard, location, asset number */
    serial: string | null;
    model: string | null;
    buildStandard: string | null;
    location: string | null;
    asset: string | null;
    /** `ID4`: decimal places, numeric country/currency code, alphabetic currency */
    currency: { decimals: number | null; numeric: string | null; code: string | null };
    /** `ID5`: the machine's date and time of this read */
    readDate: string | null;
    readTime: string | null;
  };
  /** `VA1` paid, `VA2` test, `VA3` free vends (whole machine) */
  paidVends: InitReset | null;
  testVends: InitReset | null;
  freeVends: InitReset | null;
  /** `CA2` cash sales; `CA*` segments kept as written in `cashSegments` */
  cash: InitReset | null;
  cashSegments: DexSegment[];
  /** `DA*`/`DB*` cashless devices */
  paymentDevices: DexPaymentDevice[];
  cashlessSegments: DexSegment[];
  products: DexProduct[];
  priceLists: DexPriceListEntry[];
  events: DexEvent[];
  /** `MA5` machine data lines, fields as written */
  machineData: string[][];
  /** segments this parser does not interpret, kept in file order */
  unknown: DexSegment[];
  /** every segment from `DXS` to `DXE`, in file order */
  segments: DexSegment[];
  integrity: DexIntegrity;
}
