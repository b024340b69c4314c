/**
 * Writing DEX audit files: the sample generator (scripts/make-dex-samples.mjs), the tests and the
 * vending machine simulator build files with these, so that every file they make carries a right
 * `G85` and `SE` unless it is meant not to. Pure; CRLF line endings unless told otherwise.
 */
import { crcHex } from "./crc.js";

export interface SealOptions {
  /** vendor lines written before `DXS` */
  preamble?: string[];
  /** line ending written (the CRC is computed over CRLF whatever this is) */
  eol?: "\r\n" | "\n";
  /** write this `SE` count instead of the right one */
  seCount?: number;
  /** write this `G85` instead of the right one; `null`: no G85 line */
  g85?: string | null;
  /** write `SE` and `DXE` after `G85` (default true) */
  trailer?: boolean;
}

/**
 * A whole file from its segments `DXS` … (the line before `G85`): appends `G85` (CRC-16/ARC over
 * `ST` … with CRLF), `SE` (segments from `ST` to `SE`) and `DXE`.
 * @param body segment lines without line endings; the first is `DXS`, the second `ST`
 */
export function sealDex(body: string[], o: SealOptions = {}): string {
  const eol = o.eol ?? "\r\n";
  const st = body.findIndex((l) => l.startsWith("ST*"));
  const fromSt = st >= 0 ? body.slice(st) : body.slice(1);
  const lines = [...(o.preamble ?? []), ...body];
  const crc = crcHex(fromSt.map((l) => `${l}\r\n`).join(""));
  if (o.g85 !== null) lines.push(`G85*${o.g85 ?? crc}`);
  if (o.trailer !== false) {
    const count = fromSt.length + (o.g85 === null ? 0 : 1) + 1;
    lines.push(`SE*${o.seCount ?? count}*0001`, "DXE*1*1");
  }
  return lines.map((l) => `${l}${eol}`).join("");
}

export interface AuditProduct {
  number: string;
  name: string;
  price: number;
  /** vends since initialisation and since reset, per payment class */
  cash: { init: number; reset: number };
  cashless: { init: number; reset: number };
}

export interface AuditSpec {
  serial: string;
  model?: string;
  /** CCYYMMDD or YYMMDD */
  date: string;
  /** HHMM or HHMMSS */
  time: string;
  currency?: string;
  products: AuditProduct[];
  /** pad product names to this width with trailing spaces (as some machines do) */
  padNames?: number;
  /** write `PA7` lines per payment device (default true) */
  pa7?: boolean;
  /** extra segment lines written before the events */
  extra?: string[];
  events?: string[];
}

/**
 * The segment lines (`DXS` … `EA*`) of an audit whose totals follow from its products: `VA1` is the
 * sum of all paid vends, `CA2` of the cash ones, `DA2` of the cashless ones, `PA2` per product and
 * `PA7` per product and payment device. Seal it with {@link sealDex}.
 */
export function auditLines(s: AuditSpec): string[] {
  const sum = (f: (p: AuditProduct) => number) => s.products.reduce((a, p) => a + f(p), 0);
  const v = (f: (p: AuditProduct) => number) => sum((p) => f(p) * p.price);
  const total = {
    ci: sum((p) => p.cash.init + p.cashless.init),
    cr: sum((p) => p.cash.reset + p.cashless.reset),
    vi: v((p) => p.cash.init + p.cashless.init),
    vr: v((p) => p.cash.reset + p.cashless.reset),
  };
  const lines = [
    `DXS*${s.serial.slice(0, 10)}*VA*V1/1*1`,
    "ST*001*0001",
    `ID1*${s.serial}*${s.model ?? "QH-SIM"}*0001**0*${s.serial}`,
    `ID4*2*156*${s.currency ?? "CNY"}`,
    `ID5*${s.date}*${s.time}`,
    `VA1*${total.vi}*${total.ci}*${total.vr}*${total.cr}`,
    "VA2*0*0*0*0",
    "VA3*0*0*0*0",
    "CA1*QHCOIN0001*QH-COIN*0100",
    `CA2*${v((p) => p.cash.init)}*${sum((p) => p.cash.init)}*${v((p) => p.cash.reset)}*${sum((p) => p.cash.reset)}`,
    "DA1*QHREADER01*QH-BRIDGE*0100",
    `DA2*${v((p) => p.cashless.init)}*${sum((p) => p.cashless.init)}*${v((p) => p.cashless.reset)}*${sum((p) => p.cashless.reset)}`,
  ];
  for (const p of s.products) {
    const name = s.padNames ? p.name.padEnd(s.padNames, " ") : p.name;
    const ci = p.cash.init + p.cashless.init;
    const cr = p.cash.reset + p.cashless.reset;
    lines.push(`PA1*${p.number}*${p.price}*${name}`, `PA2*${ci}*${ci * p.price}*${cr}*${cr * p.price}`);
    if (s.pa7 !== false) {
      lines.push(
        `PA7*${p.number}*CA*0*${p.price}*${p.cash.init}*${p.cash.init * p.price}*${p.cash.reset}*${p.cash.reset * p.price}`,
        `PA7*${p.number}*DA*0*${p.price}*${p.cashless.init}*${p.cashless.init * p.price}*${p.cashless.reset}*${p.cashless.reset * p.price}`,
      );
    }
  }
  for (const p of s.products) lines.push(`LA1*0*${p.number}*${p.price}*${p.cash.init + p.cashless.init}`);
  lines.push(...(s.extra ?? []), ...(s.events ?? []), "MA5*QH*SIMULATED");
  return lines;
}
