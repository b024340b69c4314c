/**
 * mdb-bridge-text messages: one ASCII line each, fields separated by ",". Commands go from the host
 * (the gateway) to the bridge and start with "C,"; answers and events go from the bridge to the host
 * and start with "c,". Every amount is the MDB bus value (0..65535, the "scaled" units of MDB 4.2:
 * money = value × scale factor, in the currency's minor units); 65535 as funds means "unknown". Items
 * are the VMC's item numbers (0..65535). Spec and the MDB mapping: firmware-protocols/mdb-bridge-text/.
 */
import { QhError } from "../../core/errors.js";

/** Cashless states as the bridge reports them (MDB 4.2 §7.3: Inactive, Disabled, Enabled, Session Idle, Vend). */
export const READER_STATES = ["INACTIVE", "DISABLED", "ENABLED", "IDLE", "VEND"] as const;
export type ReaderState = (typeof READER_STATES)[number];

/** Why the bridge refused a command (`c,ERR,<reason>`). */
export const ERROR_REASONS = ["SYNTAX", "UNKNOWN", "STATE", "RANGE"] as const;
export type BridgeErrorReason = (typeof ERROR_REASONS)[number];

// ---- host → bridge ------------------------------------------------------------------------------

/** The reader's configuration, what the bridge answers to the VMC's SETUP config (poll reply 01). */
export interface ReaderConfig {
  /** 1..3; level 1 is what the field runs (PROTOCOLS.md §10) */
  featureLevel: number;
  /** MDB country/currency code, 4 BCD digits, e.g. "1156" (ISO 4217 156, CNY) */
  countryCode: string;
  /** 1..255: money (minor units) = bus value × scaleFactor */
  scaleFactor: number;
  /** 0..4 decimal places for the VMC's display */
  decimalPlaces: number;
  /** 1..255 s: the longest the reader may take to answer anything (the VMC's timer) */
  maxResponseSeconds: number;
  /** 0..255, the miscellaneous option bits (MDB "Miscellaneous Options") */
  options: number;
}

export type BridgeCommand =
  /** C,1 / C,0: the bridge answers (or stops answering) as cashless device #1 (address 0x10) */
  | { kind: "enable"; on: boolean }
  | ({ kind: "config" } & ReaderConfig)
  /** C,START,<funds>: poll reply 03 BEGIN SESSION with funds */
  | { kind: "beginSession"; funds: number }
  /** C,VEND,<amount>: poll reply 05 VEND APPROVED */
  | { kind: "approve"; amount: number }
  /** C,DENY: poll reply 06 VEND DENIED */
  | { kind: "deny" }
  /** C,STOP: poll reply 04 SESSION CANCEL REQUEST */
  | { kind: "cancelSession" }
  /** C,STATUS: answered by a `c,STATUS,<state>` line */
  | { kind: "status" }
  /** C,DEX: the machine's DEX/UCS file, answered by a c,DEX block */
  | { kind: "dex" };

// ---- bridge → host ------------------------------------------------------------------------------

export type BridgeEvent =
  /** c,BOOT,<firmware>: the bridge powered up (it forgot its config and C,1; state INACTIVE) */
  | { kind: "boot"; firmware: string }
  | { kind: "ok" }
  | { kind: "error"; reason: BridgeErrorReason }
  /** c,RESET: the VMC sent RESET (10); the reader is INACTIVE */
  | { kind: "reset" }
  /** c,SETUP,CONFIG,<level>,<columns>,<rows>,<display>: SETUP config data (11 00) */
  | { kind: "setupConfig"; vmcLevel: number; columns: number; rows: number; display: number }
  /** c,SETUP,PRICES,<max>,<min>: SETUP max/min price (11 01) */
  | { kind: "setupPrices"; max: number; min: number }
  /** c,STATUS,<state>: the reader's state (after every VMC command that sets it, and on C,STATUS) */
  | { kind: "state"; state: Exclude<ReaderState, "VEND"> }
  /** c,STATUS,VEND,<price>,<item>: VEND REQUEST (13 00); the reader is in VEND */
  | { kind: "vendRequest"; price: number; item: number }
  /** c,VEND,CANCEL: VEND CANCEL (13 01); the bridge answered VEND DENIED itself */
  | { kind: "vendCancel" }
  /** c,VEND,SUCCESS,<item>: VEND SUCCESS (13 02) */
  | { kind: "vendSuccess"; item: number }
  /** c,VEND,FAILURE: VEND FAILURE (13 03) */
  | { kind: "vendFailure" }
  /** c,VEND,COMPLETE: SESSION COMPLETE (13 04); the bridge answered END SESSION itself */
  | { kind: "sessionComplete" }
  /** c,VEND,CASH,<price>,<item>: CASH SALE (13 05) */
  | { kind: "cashSale"; price: number; item: number }
  /** c,READER,CANCEL: READER CANCEL (14 02); the bridge answered CANCELLED itself */
  | { kind: "readerCancel" }
  | { kind: "dexBegin" }
  /** c,DEX,LINE,<text>: one line of the DEX file, verbatim (commas included) */
  | { kind: "dexLine"; text: string }
  | { kind: "dexEnd"; lines: number }
  | { kind: "dexError"; reason: string };

export type MdbBridgeMessage = BridgeCommand | BridgeEvent;

/** 115200 8N1 (PROTOCOLS.md §5: the Pi bridges' serial side). */
export const DEFAULT_BAUD_RATE = 115200;
/** Longest line (terminator excluded) either side accepts. */
export const MAX_LINE = 256;
export const LF = 0x0a;
export const CR = 0x0d;

const U16 = 65535;

function num(v: number, what: string, max = U16): string {
  if (!Number.isInteger(v) || v < 0 || v > max)
    throw new QhError("QH_COMMAND_INVALID", `mdb-bridge-text: ${what} must be an integer 0..${max}`);
  return String(v);
}

/** The text of a line (no terminator) for a command. Throws QhError (QH_COMMAND_INVALID) on a field out of range. */
export function commandText(c: BridgeCommand): string {
  switch (c.kind) {
    case "enable":
      return c.on ? "C,1" : "C,0";
    case "config":
      if (!/^\d{4}$/.test(c.countryCode))
        throw new QhError("QH_COMMAND_INVALID", "mdb-bridge-text: countryCode must be 4 digits");
      if (c.featureLevel < 1 || c.featureLevel > 3 || c.scaleFactor < 1 || c.maxResponseSeconds < 1)
        throw new QhError("QH_COMMAND_INVALID", "mdb-bridge-text: config field out of range");
      return [
        "C,CONFIG",
        num(c.featureLevel, "featureLevel", 3),
        c.countryCode,
        num(c.scaleFactor, "scaleFactor", 255),
        num(c.decimalPlaces, "decimalPlaces", 4),
        num(c.maxResponseSeconds, "maxResponseSeconds", 255),
        num(c.options, "options", 255),
      ].join(",");
    case "beginSession":
      return `C,START,${num(c.funds, "funds")}`;
    case "approve":
      return `C,VEND,${num(c.amount, "amount")}`;
    case "deny":
      return "C,DENY";
    case "cancelSession":
      return "C,STOP";
    case "status":
      return "C,STATUS";
    case "dex":
      return "C,DEX";
  }
}

/** The text of a line (no terminator) for a bridge event. Throws QhError on a field out of range. */
export function eventText(e: BridgeEvent): string {
  switch (e.kind) {
    case "boot":
      return `c,BOOT,${e.firmware}`;
    case "ok":
      return "c,OK";
    case "error":
      return `c,ERR,${e.reason}`;
    case "reset":
      return "c,RESET";
    case "setupConfig":
      return `c,SETUP,CONFIG,${num(e.vmcLevel, "vmcLevel", 255)},${num(e.columns, "columns", 255)},${num(e.rows, "rows", 255)},${num(e.display, "display", 255)}`;
    case "setupPrices":
      return `c,SETUP,PRICES,${num(e.max, "max")},${num(e.min, "min")}`;
    case "state":
      return `c,STATUS,${e.state}`;
    case "vendRequest":
      return `c,STATUS,VEND,${num(e.price, "price")},${num(e.item, "item")}`;
    case "vendCancel":
      return "c,VEND,CANCEL";
    case "vendSuccess":
      return `c,VEND,SUCCESS,${num(e.item, "item")}`;
    case "vendFailure":
      return "c,VEND,FAILURE";
    case "sessionComplete":
      return "c,VEND,COMPLETE";
    case "cashSale":
      return `c,VEND,CASH,${num(e.price, "price")},${num(e.item, "item")}`;
    case "readerCancel":
      return "c,READER,CANCEL";
    case "dexBegin":
      return "c,DEX,BEGIN";
    case "dexLine":
      return `c,DEX,LINE,${e.text}`;
    case "dexEnd":
      return `c,DEX,END,${num(e.lines, "lines", 1_000_000)}`;
    case "dexError":
      return `c,DEX,ERR,${e.reason}`;
  }
}

/** The bytes on the wire for a message: its text and LF. */
export function encode(m: MdbBridgeMessage): Buffer {
  const text = m.kind in COMMAND_KINDS ? commandText(m as BridgeCommand) : eventText(m as BridgeEvent);
  if (text.length > MAX_LINE || !isPrintableText(text))
    throw new QhError(
      "QH_COMMAND_INVALID",
      `mdb-bridge-text: a line is 1..${MAX_LINE} printable ASCII characters`,
    );
  return Buffer.from(`${text}\n`, "latin1");
}

const COMMAND_KINDS: Record<BridgeCommand["kind"], true> = {
  enable: true,
  config: true,
  beginSession: true,
  approve: true,
  deny: true,
  cancelSession: true,
  status: true,
  dex: true,
};

export function isCommand(m: MdbBridgeMessage): m is BridgeCommand {
  return m.kind in COMMAND_KINDS;
}

export function isPrintableText(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

/** One line for logs, e.g. "vendRequest price=150 item=12". */
export function describe(m: MdbBridgeMessage): string {
  const fields = Object.entries(m)
    .filter(([k]) => k !== "kind")
    .map(([k, v]) => `${k}=${typeof v === "string" ? JSON.stringify(v) : String(v)}`);
  return [m.kind, ...fields].join(" ");
}
