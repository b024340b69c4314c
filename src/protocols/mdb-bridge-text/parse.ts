/**
 * Parsing one mdb-bridge-text line (terminator already removed) into a message. Pure. The rules
 * (firmware-protocols/mdb-bridge-text/SPEC.md, "Decoding rules"): a line of the wrong direction, a
 * wrong field count or a field that is not a plain decimal number in range is "garbage"; a known
 * direction with a keyword or state this version does not know is "unknown".
 */
import {
  type BridgeCommand,
  type BridgeErrorReason,
  type BridgeEvent,
  ERROR_REASONS,
  isPrintableText,
  READER_STATES,
} from "./messages.js";

export type Role = "host" | "bridge";

export type ParsedLine<M> = { ok: true; msg: M } | { ok: false; reason: "garbage" | "unknown" };

const GARBAGE = { ok: false, reason: "garbage" } as const;
const UNKNOWN = { ok: false, reason: "unknown" } as const;

/** A plain decimal 0..max ("007" is fine, "+7", "7.0", "" are not), or undefined. */
function n(s: string | undefined, max = 65535): number | undefined {
  if (s === undefined || !/^\d{1,7}$/.test(s)) return undefined;
  const v = Number(s);
  return v <= max ? v : undefined;
}

function ok<M>(msg: M): ParsedLine<M> {
  return { ok: true, msg };
}

/** Parse a line the bridge sent (role "host": what the gateway reads). */
export function parseEventLine(line: string): ParsedLine<BridgeEvent> {
  if (!isPrintableText(line) || !line.startsWith("c,")) return GARBAGE;
  const f = line.split(",");
  const key = f[1];
  const argc = f.length - 2;
  switch (key) {
    case "BOOT": {
      const fw = line.slice("c,BOOT,".length);
      return argc >= 1 && fw.length > 0 ? ok({ kind: "boot", firmware: fw }) : GARBAGE;
    }
    case "OK":
      return argc === 0 ? ok({ kind: "ok" }) : GARBAGE;
    case "ERR": {
      if (argc !== 1) return GARBAGE;
      const r = f[2] as BridgeErrorReason;
      return ERROR_REASONS.includes(r) ? ok({ kind: "error", reason: r }) : UNKNOWN;
    }
    case "RESET":
      return argc === 0 ? ok({ kind: "reset" }) : GARBAGE;
    case "SETUP": {
      if (f[2] === "CONFIG") {
        const [a, b, c, d] = [n(f[3], 255), n(f[4], 255), n(f[5], 255), n(f[6], 255)];
        if (argc !== 5 || a === undefined || b === undefined || c === undefined || d === undefined)
          return GARBAGE;
        return ok({ kind: "setupConfig", vmcLevel: a, columns: b, rows: c, display: d });
      }
      if (f[2] === "PRICES") {
        const [max, min] = [n(f[3]), n(f[4])];
        if (argc !== 3 || max === undefined || min === undefined) return GARBAGE;
        return ok({ kind: "setupPrices", max, min });
      }
      return argc >= 1 ? UNKNOWN : GARBAGE;
    }
    case "STATUS": {
      const s = f[2];
      if (s === "VEND") {
        const [price, item] = [n(f[3]), n(f[4])];
        if (argc !== 3 || price === undefined || item === undefined) return GARBAGE;
        return ok({ kind: "vendRequest", price, item });
      }
      if (argc !== 1 || !s) return GARBAGE;
      if (!READER_STATES.includes(s as never)) return /^[A-Z_]+$/.test(s) ? UNKNOWN : GARBAGE;
      return ok({ kind: "state", state: s as Exclude<BridgeEvent & { kind: "state" }, never>["state"] });
    }
    case "VEND": {
      const sub = f[2];
      if (sub === "CANCEL") return argc === 1 ? ok({ kind: "vendCancel" }) : GARBAGE;
      if (sub === "FAILURE") return argc === 1 ? ok({ kind: "vendFailure" }) : GARBAGE;
      if (sub === "COMPLETE") return argc === 1 ? ok({ kind: "sessionComplete" }) : GARBAGE;
      if (sub === "SUCCESS") {
        const item = n(f[3]);
        return argc === 2 && item !== undefined ? ok({ kind: "vendSuccess", item }) : GARBAGE;
      }
      if (sub === "CASH") {
        const [price, item] = [n(f[3]), n(f[4])];
        if (argc !== 3 || price === undefined || item === undefined) return GARBAGE;
        return ok({ kind: "cashSale", price, item });
      }
      return argc >= 1 ? UNKNOWN : GARBAGE;
    }
    case "READER":
      if (f[2] === "CANCEL") return argc === 1 ? ok({ kind: "readerCancel" }) : GARBAGE;
      return argc >= 1 ? UNKNOWN : GARBAGE;
    case "DEX": {
      const sub = f[2];
      if (sub === "BEGIN") return argc === 1 ? ok({ kind: "dexBegin" }) : GARBAGE;
      if (sub === "LINE" && argc >= 2) return ok({ kind: "dexLine", text: line.slice("c,DEX,LINE,".length) });
      if (sub === "END") {
        const lines = n(f[3], 1_000_000);
        return argc === 2 && lines !== undefined ? ok({ kind: "dexEnd", lines }) : GARBAGE;
      }
      if (sub === "ERR") {
        const reason = line.slice("c,DEX,ERR,".length);
        return argc >= 2 && reason.length > 0 ? ok({ kind: "dexError", reason }) : GARBAGE;
      }
      return argc >= 1 && sub !== "LINE" ? UNKNOWN : GARBAGE;
    }
    default:
      return key && /^[A-Z_]+$/.test(key) ? UNKNOWN : GARBAGE;
  }
}

/** Parse a line the host sent (role "bridge": what the bridge, or its simulator, reads). */
export function parseCommandLine(line: string): ParsedLine<BridgeCommand> {
  if (!isPrintableText(line) || !line.startsWith("C,")) return GARBAGE;
  const f = line.split(",");
  const key = f[1];
  const argc = f.length - 2;
  switch (key) {
    case "1":
    case "0":
      return argc === 0 ? ok({ kind: "enable", on: key === "1" }) : GARBAGE;
    case "CONFIG": {
      const level = n(f[2], 3);
      const country = f[3];
      const [scale, dec, mrt, opts] = [n(f[4], 255), n(f[5], 4), n(f[6], 255), n(f[7], 255)];
      if (
        argc !== 6 ||
        level === undefined ||
        level < 1 ||
        country === undefined ||
        !/^\d{4}$/.test(country) ||
        scale === undefined ||
        scale < 1 ||
        dec === undefined ||
        mrt === undefined ||
        mrt < 1 ||
        opts === undefined
      )
        return GARBAGE;
      return ok({
        kind: "config",
        featureLevel: level,
        countryCode: country,
        scaleFactor: scale,
        decimalPlaces: dec,
        maxResponseSeconds: mrt,
        options: opts,
      });
    }
    case "START": {
      const funds = n(f[2]);
      return argc === 1 && funds !== undefined ? ok({ kind: "beginSession", funds }) : GARBAGE;
    }
    case "VEND": {
      const amount = n(f[2]);
      return argc === 1 && amount !== undefined ? ok({ kind: "approve", amount }) : GARBAGE;
    }
    case "DENY":
      return argc === 0 ? ok({ kind: "deny" }) : GARBAGE;
    case "STOP":
      return argc === 0 ? ok({ kind: "cancelSession" }) : GARBAGE;
    case "STATUS":
      return argc === 0 ? ok({ kind: "status" }) : GARBAGE;
    case "DEX":
      return argc === 0 ? ok({ kind: "dex" }) : GARBAGE;
    default:
      return key && /^[A-Z0-9_]+$/.test(key) ? UNKNOWN : GARBAGE;
  }
}
