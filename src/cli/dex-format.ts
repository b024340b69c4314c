/**
 * The text report of `quarterhour dex parse`: machine, integrity verdict, totals since init and
 * since reset, per product (number, name, price, vends, value, cash/cashless split), per payment
 * device, cash, events, warnings and the segments kept unread.
 */
import { type DexAudit, type InitReset, salesByProduct, type Tally } from "../protocols/dex-ucs/index.js";

/** Money in the smallest unit as text with the machine's decimals (`ID4`), or the integer as is. */
export function money(v: number | null, decimals: number | null): string {
  if (v === null) return "-";
  if (!decimals) return String(v);
  const s = Math.abs(v)
    .toString()
    .padStart(decimals + 1, "0");
  return `${v < 0 ? "-" : ""}${s.slice(0, -decimals)}.${s.slice(-decimals)}`;
}

function table(head: string[], rows: string[][], right: Set<number>): string[] {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const fmt = (r: string[]) =>
    r
      .map((c, i) => (right.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd();
  return [fmt(head), ...rows.map(fmt)];
}

/** The human report, one string with a trailing newline. */
export function formatAudit(file: string, a: DexAudit): string {
  const d = a.machine.currency.decimals;
  const m = (v: number | null) => money(v, d);
  const n = (v: number | null) => (v === null ? "-" : String(v));
  const i = a.integrity;
  const out: string[] = [];
  const g =
    i.g85.status === "ok"
      ? `G85 ${i.g85.declared} ok`
      : i.g85.status === "absent"
        ? "no G85"
        : `G85 ${i.g85.declared || "(empty)"} but the data gives ${i.g85.computed}`;
  const se =
    i.segmentCount.declared === null
      ? "no SE"
      : `SE ${i.segmentCount.declared}${i.segmentCount.ok ? "" : ` (counted ${i.segmentCount.actual})`}`;
  out.push(`file       ${file}`);
  out.push(
    `integrity  ${i.verdict.toUpperCase()}: ${g}; ${se}; ${i.lineEndings} line endings${i.truncated ? "; ends before DXE" : ""}`,
  );
  const mc = a.machine;
  out.push(
    `machine    ${mc.serial ?? "-"}  model ${mc.model ?? "-"}  read ${mc.readDate ?? "-"} ${mc.readTime ?? ""}`.trimEnd(),
  );
  out.push(`currency   ${mc.currency.code ?? "-"} (${d ?? "?"} decimals)`);
  if (a.preamble.length > 0) out.push(`preamble   ${a.preamble.join(" | ")}`);
  out.push("");

  const tot = (label: string, x: InitReset | null | undefined): string[] => [
    label,
    n(x?.init.count ?? null),
    m(x?.init.value ?? null),
    n(x?.reset.count ?? null),
    m(x?.reset.value ?? null),
  ];
  const totals = [tot("paid vends (VA1)", a.paidVends), tot("cash (CA2)", a.cash)];
  for (const p of a.paymentDevices)
    totals.push(tot(`cashless ${p.kind} ${p.serial ?? ""}`.trimEnd(), p.sales));
  if (a.freeVends) totals.push(tot("free vends (VA3)", a.freeVends));
  if (a.testVends) totals.push(tot("test vends (VA2)", a.testVends));
  out.push(
    ...table(
      ["TOTALS", "VENDS INIT", "VALUE INIT", "VENDS RESET", "VALUE RESET"],
      totals,
      new Set([1, 2, 3, 4]),
    ),
  );
  out.push("");

  const sales = salesByProduct(a);
  const split = (t: Tally | undefined) => (t ? n(t.count) : "-");
  out.push(
    ...table(
      [
        "PRODUCT",
        "NAME",
        "PRICE",
        "VENDS INIT",
        "VALUE INIT",
        "VENDS RESET",
        "VALUE RESET",
        "CASH RESET",
        "CASHLESS RESET",
      ],
      sales.map((s) => [
        s.number,
        s.name ?? "-",
        m(s.price),
        n(s.init.count),
        m(s.init.value),
        n(s.reset.count),
        m(s.reset.value),
        split(s.byClass?.cash.reset),
        split(s.byClass?.cashless.reset),
      ]),
      new Set([2, 3, 4, 5, 6, 7, 8]),
    ),
  );
  const pa7 = a.products.flatMap((p) =>
    p.byDevice.map((x) => [
      p.number,
      x.device,
      n(x.priceList),
      m(x.price),
      n(x.init.count),
      m(x.init.value),
      n(x.reset.count),
      m(x.reset.value),
    ]),
  );
  if (pa7.length > 0) {
    out.push("", "per payment device (PA7; CA cash, DA/DB cashless, TA token):");
    out.push(
      ...table(
        ["PRODUCT", "DEVICE", "LIST", "PRICE", "VENDS INIT", "VALUE INIT", "VENDS RESET", "VALUE RESET"],
        pa7,
        new Set([2, 3, 4, 5, 6, 7]),
      ),
    );
  }
  if (a.events.length > 0) {
    out.push("", "events:");
    for (const e of a.events)
      out.push(`  ${[e.tag, e.code, e.date, e.time].filter(Boolean).join(" ")}: ${e.fields.join("*")}`);
  }
  if (a.unknown.length > 0)
    out.push("", `kept unread: ${a.unknown.map((u) => `${u.tag} (line ${u.line})`).join(", ")}`);
  if (i.warnings.length > 0) {
    out.push("", "warnings:");
    for (const w of i.warnings) out.push(`  ${w}`);
  }
  return `${out.join("\n")}\n`;
}
