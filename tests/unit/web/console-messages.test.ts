/**
 * The console's catalogues (web/console/messages.{en,zh}.json): the same keys in both languages,
 * no empty string, the same {placeholders} per key, and every key the code names (a literal
 * "ns.key" in web/console, and each member of the families built at run time) is in both.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const dir = join(import.meta.dirname, "../../../web/console");
const en = JSON.parse(readFileSync(join(dir, "messages.en.json"), "utf8")) as Record<string, string>;
const zh = JSON.parse(readFileSync(join(dir, "messages.zh.json"), "utf8")) as Record<string, string>;

function sources(d: string): string[] {
  return readdirSync(d).flatMap((f) => {
    const p = join(d, f);
    if (statSync(p).isDirectory()) return sources(p);
    return /\.tsx?$/.test(f) ? [p] : [];
  });
}
const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
const namespaces = new Set(Object.keys(en).map((k) => k.split(".")[0]));

describe("console catalogues", () => {
  it("have the same keys, none empty, the same placeholders", () => {
    expect(Object.keys(zh).sort()).toEqual(Object.keys(en).sort());
    for (const [k, v] of Object.entries(en)) {
      expect(v.trim(), k).not.toBe("");
      expect(zh[k]?.trim(), k).not.toBe("");
      expect(placeholders(zh[k] ?? ""), k).toEqual(placeholders(v));
    }
  });

  it("hold every key the code names", () => {
    const named = new Set<string>();
    for (const f of sources(dir)) {
      for (const m of readFileSync(f, "utf8").matchAll(/"([a-z]+\.[A-Za-z0-9_.-]+)"/g)) {
        const key = m[1]!;
        if (namespaces.has(key.split(".")[0]!) && !/\.(tsx?|json|css)$/.test(key)) named.add(key);
      }
    }
    const families = {
      nav: ["overview", "scan", "door-test", "devices", "layout", "cold", "vending", "live"],
      job: ["running", "done", "failed", "cancelled"],
      "door.outcome": ["ok", "jammed", "sensor_fault", "no_answer"],
      "layout.zone": ["ambient", "chilled", "frozen"],
      "live.conn": ["connecting", "open", "retrying"],
      "live.kind": ["event", "device", "bus", "cold", "outbox", "gap"],
      "vending.state": ["ok", "low", "sold_out"],
      "overview.disk": ["ok", "low", "full"],
      "scan.status": ["garbled", "refused"],
    };
    for (const [ns, members] of Object.entries(families)) for (const m of members) named.add(`${ns}.${m}`);
    expect(named.size).toBeGreaterThan(100);
    const missing = [...named].filter((k) => !(k in en) || !(k in zh));
    expect(missing).toEqual([]);
  });
});
