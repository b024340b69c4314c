/**
 * The pages' message catalogues: for every page under web/, messages.zh.json and messages.en.json
 * have the same keys, no empty message, the same {placeholders} per key; and every key the kiosk's
 * sources name (t("…"), k="…", key: "…", heading="…") exists in them (a missing key would show the
 * key itself on the screen).
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const WEB = join(import.meta.dirname, "..", "..", "..", "web");
const pages = readdirSync(WEB, { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(join(WEB, d.name, "messages.zh.json")))
  .map((d) => d.name);

const load = (page: string, lang: string) =>
  JSON.parse(readFileSync(join(WEB, page, `messages.${lang}.json`), "utf8")) as Record<string, string>;
const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? sources(join(dir, e.name))
      : /\.tsx?$/.test(e.name)
        ? [readFileSync(join(dir, e.name), "utf8")]
        : [],
  );
}

describe("page catalogues", () => {
  it("has the kiosk among the pages", () => {
    expect(pages).toContain("kiosk");
  });

  for (const page of pages) {
    it(`${page}: zh and en have the same keys, placeholders and no empty message`, () => {
      const zh = load(page, "zh");
      const en = load(page, "en");
      expect(Object.keys(en).sort()).toEqual(Object.keys(zh).sort());
      for (const k of Object.keys(zh)) {
        expect(zh[k]!.trim(), `${page} zh ${k}`).not.toBe("");
        expect(en[k]!.trim(), `${page} en ${k}`).not.toBe("");
        expect(placeholders(en[k]!), `${page} ${k}`).toEqual(placeholders(zh[k]!));
      }
    });
  }

  it("kiosk: every key its sources name is in the catalogue", () => {
    const zh = load("kiosk", "zh");
    const text = sources(join(WEB, "kiosk")).join("\n");
    const named = new Set<string>();
    for (const re of [
      /\bt\(\s*"([\w.]+)"/g,
      /\bk="([\w.]+)"/g,
      /\bkey: "([\w.]+)"/g,
      /\b(?:heading|submit|hint)="([\w.]+)"/g,
      /\bk=\{[^}]*"([\w.]+)"/g,
    ])
      for (const m of text.matchAll(re)) named.add(m[1]!);
    expect(named.size).toBeGreaterThan(40);
    const missing = [...named].filter((k) => !(k in zh));
    expect(missing).toEqual([]);
  });
});
