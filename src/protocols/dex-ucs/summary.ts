/**
 * Per-product sales read from a parsed audit, split by how they were paid: `PA2` gives the product's
 * paid vends, `PA7` breaks them down per payment device (CA cash, DA/DB cashless, TA token). Used by
 * `quarterhour dex parse` and by the audit reconciliation (src/domain/vending/audit.ts).
 */
import type { DexAudit, Tally } from "./types.js";

export interface ProductSales {
  number: string;
  name: string | null;
  price: number | null;
  /** PA2 since initialisation and since the last reset */
  init: Tally;
  reset: Tally;
  /** PA7 summed per payment class (null when the file has no PA7 for the product) */
  byClass: { cash: PaidSplit; cashless: PaidSplit; other: PaidSplit } | null;
}

export interface PaidSplit {
  init: Tally;
  reset: Tally;
}

const add = (a: number | null, b: number | null) => (a === null && b === null ? null : (a ?? 0) + (b ?? 0));
const zero = (): PaidSplit => ({
  init: { count: null, value: null },
  reset: { count: null, value: null },
});

/** The payment class of a PA7 device code: CA cash, DA/DB cashless, anything else other. */
export function paymentClass(device: string): "cash" | "cashless" | "other" {
  if (device === "CA") return "cash";
  if (device === "DA" || device === "DB") return "cashless";
  return "other";
}

/** Every product of the audit with its PA2 totals and its PA7 split (summed over price lists). */
export function salesByProduct(audit: DexAudit): ProductSales[] {
  return audit.products.map((p) => {
    let byClass: ProductSales["byClass"] = null;
    if (p.byDevice.length > 0) {
      byClass = { cash: zero(), cashless: zero(), other: zero() };
      for (const d of p.byDevice) {
        const s = byClass[paymentClass(d.device)];
        for (const k of ["init", "reset"] as const) {
          s[k] = { count: add(s[k].count, d[k].count), value: add(s[k].value, d[k].value) };
        }
      }
    }
    return {
      number: p.number,
      name: p.name,
      price: p.price,
      init: p.vends?.init ?? { count: null, value: null },
      reset: p.vends?.reset ?? { count: null, value: null },
      byClass,
    };
  });
}
