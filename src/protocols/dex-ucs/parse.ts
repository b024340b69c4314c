/**
 * The DEX/UCS (EVA-DTS) audit parser: `parseDex(bytes)` reads a whole audit file as found in the
 * field and never throws. Segments it interprets: `DXS`, `ST`, `ID1`, `ID4`, `ID5`, `VA1`–`VA3`,
 * `CA1`–`CA17` (`CA2` interpreted, all kept), `DA*`/`DB*` (`DA1`/`DA2`, `DB1`/`DB2` interpreted,
 * all kept), `PA1`–`PA8` (incl. `PA7`), `LA1`, `EA*`, `MA5`, `G85`, `SE`, `DXE`; any other
 * segment is kept in `unknown`. Field layouts and sources: firmware-protocols/dex-ucs/SPEC.md.
 */
import { countFirst, date, int, str, time, trimmed, valueFirst, type Warn } from "./fields.js";
import { checkIntegrity, splitFile } from "./lines.js";
import type { DexAudit, DexEvent, DexPaymentDevice, DexProduct, DexSegment } from "./types.js";

const CA_TAG = /^CA([1-9]|1[0-7])$/;
const ENVELOPE = new Set(["DXS", "ST", "G85", "SE", "DXE"]);

/** Where an `EA*` segment keeps its event code, date and time (field indexes; -1: none). */
const EVENT_LAYOUT: Record<string, [code: number, date: number, time: number]> = {
  EA1: [0, 1, 2],
  EA2: [0, -1, -1],
  EA3: [-1, 1, 2],
  EA4: [-1, 0, 1],
  EA5: [-1, 0, 1],
  EA6: [-1, 0, 1],
  EA7: [-1, -1, -1],
};

/**
 * Parse a DEX audit file.
 * @param input the file's bytes (read as latin1: DEX is 8-bit ASCII) or its text
 * @returns the audit, always; `integrity.verdict` says whether it can be trusted and
 *   `integrity.warnings` lists everything odd (wrong `SE` count, bad dates, text after `DXE`, …)
 */
export function parseDex(input: string | Uint8Array): DexAudit {
  const text = typeof input === "string" ? input : Buffer.from(input).toString("latin1");
  const file = splitFile(text);
  const integrity = checkIntegrity(file);
  const warn: Warn = (m) => integrity.warnings.push(m);
  const audit: DexAudit = {
    preamble: file.preamble,
    dxs: null,
    machine: {
      serial: null,
      model: null,
      buildStandard: null,
      location: null,
      asset: null,
      currency: { decimals: null, numeric: null, code: null },
      readDate: null,
      readTime: null,
    },
    paidVends: null,
    testVends: null,
    freeVends: null,
    cash: null,
    cashSegments: [],
    paymentDevices: [],
    cashlessSegments: [],
    products: [],
    priceLists: [],
    events: [],
    machineData: [],
    unknown: [],
    segments: file.segments,
    integrity,
  };
  let product: DexProduct | undefined;
  for (const seg of file.segments) {
    if (!interpret(audit, seg, product, warn)) audit.unknown.push(seg);
    if (seg.tag === "PA1") product = audit.products.at(-1);
  }
  return audit;
}

/** Fold one segment into the audit; false when it is not one this parser interprets. */
function interpret(a: DexAudit, seg: DexSegment, product: DexProduct | undefined, warn: Warn): boolean {
  const t = seg.tag;
  if (ENVELOPE.has(t)) {
    if (t === "DXS") a.dxs = { sender: str(seg, 0), functional: str(seg, 1), version: str(seg, 2) };
    return true;
  }
  switch (t) {
    case "ID1":
      Object.assign(a.machine, {
        serial: trimmed(seg, 0),
        model: trimmed(seg, 1),
        buildStandard: trimmed(seg, 2),
        location: trimmed(seg, 3),
        asset: trimmed(seg, 5),
      });
      return true;
    case "ID4":
      a.machine.currency = { decimals: int(seg, 0, warn), numeric: str(seg, 1), code: trimmed(seg, 2) };
      return true;
    case "ID5":
      a.machine.readDate = date(seg, 0, warn);
      a.machine.readTime = time(seg, 1, warn);
      return true;
    case "VA1":
      a.paidVends = valueFirst(seg, 0, warn);
      return true;
    case "VA2":
      a.testVends = valueFirst(seg, 0, warn);
      return true;
    case "VA3":
      a.freeVends = valueFirst(seg, 0, warn);
      return true;
    case "LA1":
      a.priceLists.push({
        priceList: int(seg, 0, warn),
        product: trimmed(seg, 1) ?? "",
        price: int(seg, 2, warn),
        countInit: int(seg, 3, warn),
        countReset: int(seg, 4, warn),
      });
      return true;
    case "MA5":
      a.machineData.push([...seg.fields]);
      return true;
  }
  if (CA_TAG.test(t)) {
    if (t === "CA2") a.cash = valueFirst(seg, 0, warn);
    a.cashSegments.push(seg);
    return true;
  }
  if (/^D[AB]\d+$/.test(t)) return cashless(a, seg, warn);
  if (/^PA[1-8]$/.test(t)) return productSegment(a, seg, product, warn);
  if (/^EA\d+$/.test(t)) {
    a.events.push(event(seg, warn));
    return true;
  }
  return false;
}

function cashless(a: DexAudit, seg: DexSegment, warn: Warn): boolean {
  a.cashlessSegments.push(seg);
  const kind = seg.tag.slice(0, 2);
  const n = seg.tag.slice(2);
  const device = (): DexPaymentDevice => {
    let d = a.paymentDevices.find((x) => x.kind === kind);
    if (!d) {
      d = { kind, serial: null, model: null, sales: null };
      a.paymentDevices.push(d);
    }
    return d;
  };
  if (n === "1") Object.assign(device(), { serial: trimmed(seg, 0), model: trimmed(seg, 1) });
  else if (n === "2") device().sales = valueFirst(seg, 0, warn);
  return true;
}

function productSegment(a: DexAudit, seg: DexSegment, current: DexProduct | undefined, warn: Warn): boolean {
  if (seg.tag === "PA1") {
    const rawName = str(seg, 2);
    const number = trimmed(seg, 0) ?? "";
    const first = a.products.find((x) => x.number === number);
    // a product number given twice: both blocks kept; the reconciliation sums their counters
    if (first)
      warn(
        `line ${seg.line}: duplicate_product: PA1 product "${number}" is given again (first at line ${first.line}): both blocks kept, their counters summed for the reconciliation`,
      );
    a.products.push({
      line: seg.line,
      number,
      rawName,
      name: rawName?.trim() || null,
      price: int(seg, 1, warn),
      vends: null,
      testVends: null,
      freeVends: null,
      extra: [],
      byDevice: [],
    });
    return true;
  }
  let p = current;
  if (seg.tag === "PA7") {
    const num = trimmed(seg, 0) ?? "";
    // the current block when it is this product's (a product given twice has two blocks)
    p = current?.number === num ? current : (a.products.find((x) => x.number === num) ?? current);
    if (p && p.number !== num) p = undefined;
  }
  if (!p) {
    warn(`line ${seg.line}: ${seg.tag} without its product's PA1: kept as an unknown segment`);
    return false;
  }
  switch (seg.tag) {
    case "PA2":
      p.vends = countFirst(seg, 0, warn);
      break;
    case "PA3":
      p.testVends = countFirst(seg, 0, warn);
      break;
    case "PA4":
      p.freeVends = countFirst(seg, 0, warn);
      break;
    case "PA7":
      p.byDevice.push({
        device: trimmed(seg, 1) ?? "",
        priceList: int(seg, 2, warn),
        price: int(seg, 3, warn),
        ...countFirst(seg, 4, warn),
      });
      break;
    default:
      p.extra.push(seg);
  }
  return true;
}

function event(seg: DexSegment, warn: Warn): DexEvent {
  const [c, d, tm] = EVENT_LAYOUT[seg.tag] ?? [0, -1, -1];
  return {
    tag: seg.tag,
    code: c >= 0 ? trimmed(seg, c) : null,
    date: d >= 0 ? date(seg, d, warn) : null,
    time: tm >= 0 ? time(seg, tm, warn) : null,
    fields: [...seg.fields],
    line: seg.line,
  };
}
