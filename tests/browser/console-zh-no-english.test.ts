/**
 * The console in Chinese shows no untranslated English: every screen (and the login form, and a
 * refused login) is walked in zh, and every visible text node outside ids, codes, times and the
 * gateway's own data (marked `lang="en"`, `<code>`) is checked for English words. Allowed: ids of
 * the site's devices, buses, terminals and models, protocol and unit names, brand names.
 */
import type { Browser, Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { noBrowser, siteAndBrowser } from "../helpers/browser.js";
import { apiCall, type ConsoleSite, openConsole, SCREEN_LINKS, startDemoSite } from "../helpers/console.js";

/** Brand, protocol and unit names a Chinese UI keeps in Latin letters. */
const ALLOWED = new Set(
  [
    "API",
    "MQTT",
    "RS",
    "USB",
    "SSE",
    "JSON",
    "HTML",
    "CSV",
    "Modbus",
    "RTU",
    "MDB",
    "DEX",
    "EVA",
    "DTS",
    "GS1",
    "GTIN",
    "NTP",
    "SQLite",
    "quarterhour",
    "Quarterhour",
    "KiB",
    "MiB",
    "GiB",
    "TiB",
    "ms",
    "QH",
    "ID",
    "id",
    "token",
    "api",
    "IP",
    "URL",
    "TLS",
    "LED",
    "GB",
    "MB",
    "uPlot",
    "Wi-Fi",
    "Wi",
    "Fi",
    "yaml",
    "English",
    "PDF",
    "sim",
    "bus",
    "kiosk",
    "locker",
    "cold",
    "vending",
    "xor",
    "lockboard",
    "kerong",
    "cu16",
  ].map((w) => w.toLowerCase()),
);

declare const document: {
  body: unknown;
  createTreeWalker(root: unknown, what: number): { nextNode(): unknown };
};
interface TextNode {
  textContent: string;
  parentElement: { closest(s: string): unknown; checkVisibility?(): boolean } | null;
}

/** Visible text the page itself wrote (not codes, ids in code, times or the gateway's lang=en data). */
async function pageWords(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const out: string[] = [];
    const walk = document.createTreeWalker(document.body, 4);
    for (let n = walk.nextNode() as TextNode | null; n; n = walk.nextNode() as TextNode | null) {
      const el = n.parentElement;
      if (!el || el.closest("code, time, [lang='en'], script, style, .sr-skip")) continue;
      if (el.checkVisibility && !el.checkVisibility()) continue;
      out.push(n.textContent);
    }
    return out;
  });
}

function english(texts: string[], ids: Set<string>): string[] {
  const found = new Set<string>();
  for (const t of texts) {
    for (const token of t.split(/[\s,;:()（）。，、：·/[\]{}"'=|]+/)) {
      if (!token || ids.has(token.toLowerCase())) continue;
      for (const w of token.match(/[A-Za-z]{2,}/g) ?? []) {
        if (ALLOWED.has(w.toLowerCase()) || ids.has(w.toLowerCase())) continue;
        found.add(`${w} (in "${t.trim().slice(0, 80)}")`);
      }
    }
  }
  return [...found];
}

async function siteIds(site: ConsoleSite): Promise<Set<string>> {
  const s = (await apiCall(site, "GET", "/site")).body as {
    devices?: { id: string; model?: string; kind?: string }[];
    buses?: { id: string; path?: string; protocol?: string }[];
    terminals?: { id: string }[];
  };
  const ids = new Set<string>();
  const add = (v?: string) => {
    if (!v) return;
    ids.add(v.toLowerCase());
    for (const part of v.split(/[^A-Za-z0-9]+/)) if (part) ids.add(part.toLowerCase());
  };
  for (const d of s.devices ?? []) [d.id, d.model].forEach(add);
  for (const b of s.buses ?? []) [b.id, b.path, b.protocol].forEach(add);
  for (const t of s.terminals ?? []) add(t.id);
  // the site's own data, as the operator named it: gateway, device names, zones, products
  const g = (s as { gateway?: { id?: string; site?: string } }).gateway;
  [g?.id, g?.site].forEach(add);
  const devices = (await apiCall(site, "GET", "/devices")).body as { devices?: { name?: string }[] };
  for (const d of devices.devices ?? []) add(d.name);
  const zones = (await apiCall(site, "GET", "/cold/zones")).body as { zones?: { zone: string }[] };
  for (const z of zones.zones ?? []) add(z.zone);
  for (const d of s.devices ?? []) {
    const stock = await apiCall(site, "GET", `/vending/${d.id}/stock`);
    const slots = (stock.body as { slots?: { name?: string | null; product?: string }[] }).slots ?? [];
    for (const slot of stock.status === 200 ? slots : []) [slot.name ?? undefined, slot.product].forEach(add);
  }
  return ids;
}

describe.skipIf(noBrowser)("console: Chinese without English", () => {
  let browser: Browser;
  let site: ConsoleSite;
  siteAndBrowser(startDemoSite, (s, b) => {
    site = s;
    browser = b;
  });

  it("walks the login form, a refused login and every screen in zh", { timeout: 240_000 }, async () => {
    const ids = await siteIds(site);
    const { page, context } = await openConsole(browser, site, "zh");
    const seen: Record<string, string[]> = {};
    await page.getByRole("heading", { level: 1, name: "登录" }).waitFor();
    seen.login = english(await pageWords(page), ids);
    await page.getByLabel("API 令牌").fill("wrong-token-wrong-token");
    await page.getByRole("button", { name: "登录", exact: true }).click();
    await page.getByRole("alert").waitFor();
    seen.refused = english(await pageWords(page), ids);
    expect(await page.getByRole("alert").textContent()).not.toContain("Authorization: Bearer");

    await page.getByLabel("API 令牌").fill("test-token-0123456789");
    await page.getByRole("button", { name: "登录", exact: true }).click();
    await page.getByRole("navigation").waitFor();
    for (const screen of Object.keys(SCREEN_LINKS)) {
      await page.evaluate((s) => {
        (globalThis as unknown as { location: { hash: string } }).location.hash = `#/${s}`;
      }, screen);
      await page.locator("h1#screen-title:focus").waitFor();
      await page.waitForLoadState("networkidle").catch(() => undefined);
      await page
        .locator("[role=status]", { hasText: "正在加载" })
        .waitFor({ state: "detached" })
        .catch(() => undefined);
      seen[screen] = english(await pageWords(page), ids);
    }
    const bad = Object.entries(seen).filter(([, w]) => w.length > 0);
    expect(bad, JSON.stringify(bad, null, 1)).toEqual([]);
    await context.close();
  });
});
