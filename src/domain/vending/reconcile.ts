/**
 * The DEX reconciliation, pure: the machine's own counters (this audit minus the previous one's
 * counters since initialisation) against the gateway's own sales record (`vending_sales` rows
 * recorded between the two audits), per product and for the machine, cash and cashless.
 *
 * - Products: DEX `PA2` (all paid vends) and, when present, `PA7` split per payment class (CA cash;
 *   DA/DB cashless). The gateway's sales are matched to DEX products through the planogram
 *   (`dexProduct` of the sale's slot; the slot number itself when the slot is not in the planogram).
 * - Machine: `VA1` (all paid vends), `CA2` (cash), `DA2` + `DB2` (cashless).
 * - A product number given twice (two `PA1` blocks) is one product: its blocks' counters are summed
 *   (a figure one block leaves unsaid makes the sum unknown, never a guess).
 * - The first audit of a machine is a baseline: nothing to compare with yet.
 * - An audit whose machine serial (`ID1`) differs from the previous audit's is from another
 *   machine (a controller swapped, the bridge moved): no delta against the other machine's
 *   counters; a mismatch `machine_changed` (serial, previousSerial) and this audit is the new
 *   baseline.
 * - A counter lower than at the previous audit means the machine's counters were reset (its
 *   controller replaced or re-initialised, its memory cleared; a simulator started afresh): a
 *   mismatch `machine_counters_reset` (dex: the counter now, previousDex: at the last audit,
 *   gateway and difference null) and that figure is not compared.
 */
import { type DexAudit, type InitReset, salesByProduct, type Tally } from "../../protocols/dex-ucs/index.js";

/** Count and value; null = the file does not say. */
export interface Figure {
  vends: number | null;
  value: number | null;
}

/** One product's (or the machine's) counters since initialisation. */
export interface CounterSet {
  all: Figure;
  cash: Figure | null;
  cashless: Figure | null;
}

/** What the next audit compares against: this audit's counters since initialisation. */
export interface Counters {
  /** the machine's serial (`ID1`) these counters are from; absent in counters stored before it was kept */
  serial?: string | null;
  machine: CounterSet;
  products: Record<string, CounterSet>;
}

/** The gateway's sales per slot and payment since the previous audit. */
export interface SalesTotal {
  slot: number;
  payment: "cash" | "cashless";
  vends: number;
  value: number;
}

export interface Mismatch {
  scope: "machine" | "product";
  product?: string;
  slot?: number;
  /**
   * vends | value | cash_vends | cash_value | cashless_vends | cashless_value |
   * machine_counters_reset | machine_changed
   */
  field: string;
  dex: number | null;
  gateway: number | null;
  /** machine_counters_reset: the machine's counter at the previous audit (now lower) */
  previousDex?: number;
  /** machine_counters_reset: which counter (vends | value | cash_vends | …) */
  counter?: string;
  /** machine_changed: this audit's serial (ID1) and the previous audit's */
  serial?: string | null;
  previousSerial?: string | null;
  /** dex − gateway */
  difference: number | null;
}

export interface Reconciliation {
  mode: "baseline" | "delta";
  machine: { dex: CounterSet; gateway: CounterSet };
  products: {
    product: string;
    slot: number | null;
    name: string | null;
    dex: CounterSet;
    gateway: CounterSet;
  }[];
  mismatches: Mismatch[];
  /** the counters to store as the next audit's baseline */
  counters: Counters;
}

/** A product's counters by its DEX number, own keys only (never Object.prototype's). */
const own = (r: Record<string, CounterSet>, k: string): CounterSet | undefined =>
  Object.hasOwn(r, k) ? r[k] : undefined;

const fig = (t: Tally | null | undefined): Figure => ({ vends: t?.count ?? null, value: t?.value ?? null });
const sumTally = (ts: (InitReset | null | undefined)[]): Figure | null => {
  const present = ts.filter((t): t is InitReset => !!t);
  if (present.length === 0) return null;
  const add = (k: "count" | "value") =>
    present.some((t) => t.init[k] !== null) ? present.reduce((a, t) => a + (t.init[k] ?? 0), 0) : null;
  return { vends: add("count"), value: add("value") };
};

const addNum = (a: number | null, b: number | null) => (a === null || b === null ? null : a + b);
const addFig = (a: Figure | null, b: Figure | null): Figure | null =>
  a && b ? { vends: addNum(a.vends, b.vends), value: addNum(a.value, b.value) } : null;
/** Two blocks' counters summed; a figure one block leaves unsaid is unknown for the product. */
const addSets = (a: CounterSet, b: CounterSet): CounterSet => ({
  all: addFig(a.all, b.all)!,
  cash: addFig(a.cash, b.cash),
  cashless: addFig(a.cashless, b.cashless),
});

/** The counters since initialisation an audit states, per product (DEX number) and for the machine. */
export function countersOf(audit: DexAudit): Counters {
  // no prototype: a DEX product number is machine data ("__proto__", "constructor" are keys too)
  const products: Record<string, CounterSet> = Object.create(null);
  for (const s of salesByProduct(audit)) {
    const set: CounterSet = {
      all: fig(s.init),
      cash: s.byClass ? fig(s.byClass.cash.init) : null,
      cashless: s.byClass ? fig(s.byClass.cashless.init) : null,
    };
    // a product number given twice (two PA1 blocks; `duplicate_product` in the parse warnings):
    // its vends are split across the blocks, so the product's counters are their sum
    const seen = own(products, s.number);
    products[s.number] = seen ? addSets(seen, set) : set;
  }
  return {
    serial: audit.machine.serial,
    machine: {
      all: fig(audit.paidVends?.init),
      cash: audit.cash ? fig(audit.cash.init) : null,
      cashless: sumTally(audit.paymentDevices.map((d) => d.sales)),
    },
    products,
  };
}

const zero = (): CounterSet => ({
  all: { vends: 0, value: 0 },
  cash: { vends: 0, value: 0 },
  cashless: { vends: 0, value: 0 },
});

function addSale(c: CounterSet, s: SalesTotal): void {
  c.all.vends! += s.vends;
  c.all.value! += s.value;
  const k = c[s.payment]!;
  k.vends! += s.vends;
  k.value! += s.value;
}

/**
 * Reconcile one audit.
 * @param audit the parsed file (its verdict is the caller's business: only reconcile trusted files)
 * @param previous the counters stored with the previous reconciled audit, or null (baseline)
 * @param sales the gateway's sales since that audit, per slot and payment
 * @param slotToDex the planogram: slot number → DEX product number (and name)
 */
export function reconcile(
  audit: DexAudit,
  previous: Counters | null,
  sales: SalesTotal[],
  slotToDex: ReadonlyMap<number, { dexProduct: string; name: string | null }>,
): Reconciliation {
  const counters = countersOf(audit);
  const dexToSlot = new Map<string, { slot: number; name: string | null }>();
  for (const [slot, v] of slotToDex) dexToSlot.set(v.dexProduct, { slot, name: v.name });
  const gw = new Map<string, CounterSet>();
  const gwMachine = zero();
  for (const s of sales) {
    const d = slotToDex.get(s.slot)?.dexProduct ?? String(s.slot);
    if (!gw.has(d)) gw.set(d, zero());
    addSale(gw.get(d)!, s);
    addSale(gwMachine, s);
  }
  const mismatches: Mismatch[] = [];
  const diff = (
    now: CounterSet,
    before: CounterSet | undefined,
    where: Omit<Mismatch, "field" | "dex" | "gateway" | "difference">,
  ): CounterSet => {
    const out: CounterSet = { all: { vends: null, value: null }, cash: null, cashless: null };
    for (const cls of ["all", "cash", "cashless"] as const) {
      const n = now[cls];
      if (!n) continue;
      const b = before?.[cls];
      const f: Figure = { vends: null, value: null };
      for (const k of ["vends", "value"] as const) {
        const cur = n[k];
        const old = before ? (b?.[k] ?? null) : 0;
        if (cur === null || old === null) continue;
        if (cur < old) {
          mismatches.push({
            ...where,
            field: "machine_counters_reset",
            counter: cls === "all" ? k : `${cls}_${k}`,
            dex: cur,
            previousDex: old,
            gateway: null,
            difference: null,
          });
          continue;
        }
        f[k] = cur - old;
      }
      out[cls] = f;
    }
    return out;
  };
  const compare = (
    dex: CounterSet,
    g: CounterSet,
    where: Omit<Mismatch, "field" | "dex" | "gateway" | "difference">,
  ) => {
    for (const cls of ["all", "cash", "cashless"] as const) {
      const d = dex[cls];
      const gv = g[cls];
      if (!d || !gv) continue;
      for (const k of ["vends", "value"] as const) {
        if (d[k] === null || gv[k] === null || d[k] === gv[k]) continue;
        mismatches.push({
          ...where,
          field: cls === "all" ? k : `${cls}_${k}`,
          dex: d[k],
          gateway: gv[k],
          difference: d[k]! - gv[k]!,
        });
      }
    }
  };

  // another machine's counters (a controller swapped, the bridge moved to another machine): no
  // delta against them; this audit is the new baseline and the change is reported
  const changed = previous !== null && previous.serial !== undefined && previous.serial !== counters.serial;
  if (changed)
    mismatches.push({
      scope: "machine",
      field: "machine_changed",
      serial: counters.serial ?? null,
      previousSerial: previous.serial ?? null,
      dex: null,
      gateway: null,
      difference: null,
    });
  if (!previous || changed) {
    return {
      mode: "baseline",
      machine: { dex: counters.machine, gateway: gwMachine },
      products: Object.entries(counters.products).map(([product, dex]) => ({
        product,
        slot: dexToSlot.get(product)?.slot ?? null,
        name: dexToSlot.get(product)?.name ?? null,
        dex,
        gateway: gw.get(product) ?? zero(),
      })),
      mismatches,
      counters,
    };
  }
  const machineDex = diff(counters.machine, previous.machine, { scope: "machine" });
  compare(machineDex, gwMachine, { scope: "machine" });
  const names = new Set([...Object.keys(counters.products), ...gw.keys()]);
  const products: Reconciliation["products"] = [];
  for (const product of [...names].sort((a, b) => a.localeCompare(b, "en", { numeric: true }))) {
    const where = {
      scope: "product" as const,
      product,
      ...(dexToSlot.has(product) ? { slot: dexToSlot.get(product)!.slot } : {}),
    };
    const now = own(counters.products, product);
    const g = gw.get(product) ?? zero();
    const dex = now
      ? diff(now, own(previous.products, product), where)
      : { all: { vends: 0, value: 0 }, cash: null, cashless: null };
    compare(dex, g, where);
    products.push({
      product,
      slot: dexToSlot.get(product)?.slot ?? null,
      name: dexToSlot.get(product)?.name ?? null,
      dex,
      gateway: g,
    });
  }
  return { mode: "delta", machine: { dex: machineDex, gateway: gwMachine }, products, mismatches, counters };
}
