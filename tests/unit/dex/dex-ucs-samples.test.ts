/**
 * Every sample under firmware-protocols/dex-ucs/samples/ parses to what vectors.json says: one file
 * per quirk found in the field (vendor lines before DXS, both date forms, padded names, LF and CRLF,
 * a wrong SE count, a corrupted G85, a file cut short, unknown segments, PA7, 400 segments).
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { type DexAudit, parseDex, salesByProduct } from "../../../src/protocols/dex-ucs/index.js";
import { DEX_DIR, DEX_VECTORS } from "./samples.js";

function check(a: DexAudit, e: Record<string, unknown>): void {
  const i = a.integrity;
  if ("verdict" in e) expect(i.verdict).toBe(e.verdict);
  if ("g85" in e) expect(i.g85.status).toBe(e.g85);
  if ("segmentCount" in e) expect(i.segmentCount).toMatchObject(e.segmentCount as object);
  if ("truncated" in e) expect(i.truncated).toBe(e.truncated);
  if ("lineEndings" in e) expect(i.lineEndings).toBe(e.lineEndings);
  if ("preamble" in e) expect(a.preamble).toHaveLength(e.preamble as number);
  if ("preambleFirst" in e) expect(a.preamble[0]).toBe(e.preambleFirst);
  if ("serial" in e) expect(a.machine.serial).toBe(e.serial);
  if ("readDate" in e) expect(a.machine.readDate).toBe(e.readDate);
  if ("readTime" in e) expect(a.machine.readTime).toBe(e.readTime);
  if ("products" in e) expect(a.products).toHaveLength(e.products as number);
  if ("paidVends" in e) expect(a.paidVends).toEqual(e.paidVends);
  if ("cash" in e) expect(a.cash).toEqual(e.cash);
  if ("cashless" in e) expect(a.paymentDevices.find((d) => d.kind === "DA")?.sales).toEqual(e.cashless);
  if ("product" in e) {
    const p = e.product as { number: string };
    expect(a.products.find((x) => x.number === p.number)).toMatchObject(p);
  }
  if ("events" in e)
    expect(a.events).toEqual(
      expect.arrayContaining((e.events as object[]).map((x) => expect.objectContaining(x))),
    );
  if ("unknown" in e) expect(a.unknown.map((u) => u.tag)).toEqual(e.unknown);
  if ("partialLine" in e) expect(i.partialLine).toBe(e.partialLine);
  if ("warning" in e) expect(i.warnings.join("\n")).toContain(e.warning);
  if ("segments" in e) expect(a.segments).toHaveLength(e.segments as number);
  if ("pa7" in e) {
    const x = e.pa7 as { product: string; devices: string[]; classes: unknown };
    const p = a.products.find((q) => q.number === x.product)!;
    expect(p.byDevice.map((d) => d.device)).toEqual(x.devices);
    expect(salesByProduct(a).find((s) => s.number === x.product)?.byClass).toEqual(x.classes);
  }
}

describe("dex-ucs samples (vectors.json)", () => {
  it("lists every sample file once and names the one the simulator serves", () => {
    const files = DEX_VECTORS.samples.map((s) => s.file);
    expect(new Set(files).size).toBe(files.length);
    expect(files).toContain(DEX_VECTORS.served);
  });
  for (const v of DEX_VECTORS.samples) {
    it(`${v.file}: ${v.quirk}`, () => {
      check(parseDex(readFileSync(`${DEX_DIR}${v.file}`)), v.expect);
    });
  }
});
