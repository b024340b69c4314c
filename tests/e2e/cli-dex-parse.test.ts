/**
 * `quarterhour dex parse FILE [--json]` as a child process on the samples: the report, the verdict
 * and the exit codes (0 verified, 1 not to be trusted, 2 unreadable or not DEX).
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { DEX_DIR } from "../unit/dex/samples.js";

const S = (name: string) => join(DEX_DIR, "samples", name);
const tmp = mkdtempSync(join(tmpdir(), "qh-dex-cli-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("quarterhour dex parse", () => {
  it("prints machine, totals since init and reset, products, devices, cash and events; exit 0", () => {
    const r = runCli(["dex", "parse", S("complete-crlf.dex")]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/integrity\s+VERIFIED: G85 [0-9A-F]{4} ok; SE 47/);
    expect(r.stdout).toMatch(/machine\s+QHVM000001\s+model QH-SIM-6\s+read 2026-11-30 08:15:00/);
    expect(r.stdout).toMatch(/paid vends \(VA1\)\s+418\s+1309\.00\s+42\s+126\.50/);
    expect(r.stdout).toMatch(/cash \(CA2\)\s+119\s+341\.00\s+13\s+36\.00/);
    expect(r.stdout).toMatch(/cashless DA QHREADER01\s+299\s+968\.00\s+29\s+90\.50/);
    expect(r.stdout).toMatch(/\n1\s+Mineral water 550ml\s+2\.00\s+115\s+230\.00\s+13\s+26\.00\s+4\s+9\n/);
    expect(r.stdout).toMatch(/\n1\s+DA\s+0\s+2\.00\s+75\s+150\.00\s+9\s+18\.00\n/);
    expect(r.stdout).toContain("EA1 EGS 2026-11-29 22:15");
  });

  it("--json gives the audit, the verdict and the per-product sales", () => {
    const r = runCli(["dex", "parse", S("pa7-breakdown.dex"), "--json"]);
    expect(r.status).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.verdict).toBe("verified");
    expect(j.audit.machine.serial).toBe("QHVM000001");
    expect(j.sales[0].byClass.cashless.init).toEqual({ count: 70, value: 13900 });
  });

  it("a corrupted G85 is a verdict: the audit is printed, QH_DEX_INTEGRITY, exit 1", () => {
    const r = runCli(["dex", "parse", S("corrupt-g85.dex")]);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/integrity\s+CORRUPT: G85 [0-9A-F]{4} but the data gives [0-9A-F]{4}/);
    expect(r.stdout).toContain("Mineral water 550ml");
    expect(r.stderr).toMatch(/^error QH_DEX_INTEGRITY: .*corrupt-g85\.dex: corrupt/);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack
  });

  it("a file cut short is printed as far as it goes, TRUNCATED, exit 1", () => {
    const r = runCli(["dex", "parse", S("truncated.dex"), "--json"]);
    expect(r.status).toBe(1);
    const j = JSON.parse(r.stdout);
    expect(j.verdict).toBe("truncated");
    expect(j.audit.products).toHaveLength(4);
    expect(r.stderr).toContain("QH_DEX_INTEGRITY");
  });

  it("a wrong SE count is a warning only: exit 0", () => {
    const r = runCli(["dex", "parse", S("wrong-se-count.dex")]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("SE declares 12 segments, the file has 47");
  });

  it("a product given twice and a negative counter are warned (duplicate_product, negative_value): exit 0", () => {
    const d = runCli(["dex", "parse", S("duplicate-product.dex")]);
    expect(d.status).toBe(0);
    expect(d.stdout).toMatch(/duplicate_product: PA1 product "1" is given again \(first at line 13\)/);
    const n = runCli(["dex", "parse", S("negative-counter.dex"), "--json"]);
    expect(n.status).toBe(0);
    const j = JSON.parse(n.stdout) as { audit: { integrity: { warnings: string[] } } };
    expect(j.audit.integrity.warnings.join("\n")).toMatch(/negative_value: PA2 field 1 "-4"/);
  });

  it("every sample parses without a crash (exit 0 or 1, never a stack)", () => {
    for (const f of [
      "vendor-preamble",
      "yymmdd-dates",
      "padded-names",
      "lf-only",
      "maker-no-trailer",
      "unknown-segments",
      "segments-400",
    ]) {
      const r = runCli(["dex", "parse", S(`${f}.dex`)]);
      expect([0, 1]).toContain(r.status);
      expect(r.stderr).not.toContain("QH_INTERNAL");
    }
  });

  it("a missing file is QH_PATH_INVALID and a non-DEX file QH_DEX_INVALID: exit 2", () => {
    const missing = runCli(["dex", "parse", join(tmp, "nope.dex")]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/^error QH_PATH_INVALID: .*nope\.dex/);
    const other = join(tmp, "notes.txt");
    writeFileSync(other, "shopping list\nmilk*2\n");
    const r = runCli(["dex", "parse", other]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^error QH_DEX_INVALID: .*no DXS line/);
  });

  it("a FIFO, a device, a directory or a file over 4 MiB is QH_PATH_INVALID: exit 2, never a hang", () => {
    const fifo = join(tmp, "pipe.dex");
    execFileSync("mkfifo", [fifo]);
    const big = join(tmp, "big.dex");
    writeFileSync(big, Buffer.alloc(4 * 1024 * 1024 + 1, 0x41));
    for (const [path, what] of [
      [fifo, "a FIFO"],
      ["/dev/zero", "a device"],
      [tmp, "a directory"],
      [big, "more than a DEX audit file can be"],
    ] as const) {
      const r = runCli(["dex", "parse", path]);
      expect(r.status, path).toBe(2);
      expect(r.stderr).toMatch(/^error QH_PATH_INVALID: /);
      expect(r.stderr).toContain(what);
    }
  });
});
