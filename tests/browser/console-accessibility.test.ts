/**
 * axe-core (WCAG 2.0, 2.1 and 2.2, A and AA) finds no violation on any console screen, in
 * English and in Chinese: the login, the site overview, the bus scan with results, the door
 * test, the devices with the add form open, the compartment layout, the cold zones with the
 * chart, the vending machines and the live view, on the demo site (config/default.yaml). A screenshot of each goes to test-artifacts/,
 * and the overview's to docs/screenshots/console.png (the README's).
 */
import type { Browser, Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { expectNoAxeViolations, noBrowser, screenshot, siteAndBrowser } from "../helpers/browser.js";
import {
  type ConsoleScreen,
  type ConsoleSite,
  logIn,
  openConsole,
  startDemoSite,
} from "../helpers/console.js";

/** Opens a screen by its address (either language) and waits until it has loaded. */
async function show(page: Page, screen: ConsoleScreen): Promise<void> {
  await page.evaluate((s) => {
    (globalThis as unknown as { location: { hash: string } }).location.hash = `#/${s}`;
  }, screen);
  await page.locator("h1#screen-title:focus").waitFor();
  await page.waitForLoadState("networkidle").catch(() => undefined); // SSE screens never idle
  await page.waitForTimeout(300);
}

describe.skipIf(noBrowser)("console: accessibility", () => {
  let browser: Browser;
  let site: ConsoleSite;
  siteAndBrowser(startDemoSite, (s, b) => {
    site = s;
    browser = b;
  });

  for (const lang of ["en", "zh"] as const) {
    it(`has no axe violation on any screen (${lang})`, { timeout: 240_000 }, async () => {
      const { page, context, errors } = await openConsole(browser, site, lang);
      await page.locator("#token").waitFor();
      expect(
        await page.evaluate(
          () =>
            (globalThis as unknown as { document: { documentElement: { lang: string } } }).document
              .documentElement.lang,
        ),
      ).toBe(lang === "en" ? "en" : "zh-CN");
      await expectNoAxeViolations(page, `login (${lang})`);
      await screenshot(page, `console-${lang}-login`);
      await logIn(page);

      await show(page, "overview");
      await page.locator("dl.facts").waitFor();
      await expectNoAxeViolations(page, `overview (${lang})`);
      await screenshot(
        page,
        `console-${lang}-overview`,
        lang === "en" ? "docs/screenshots/console.png" : undefined,
      );

      await show(page, "scan");
      await page
        .locator("#scan-progress")
        .waitFor({ state: "detached" })
        .catch(() => undefined);
      await page.locator("form select").first().selectOption("bus-a");
      await page.locator("form input[type=number]").nth(0).fill("1");
      await page.locator("form input[type=number]").nth(1).fill("2");
      await page.locator("form button[type=submit]").click();
      await page.locator("table tbody tr").nth(1).waitFor({ timeout: 30_000 });
      await expectNoAxeViolations(page, `scan (${lang})`);
      await screenshot(page, `console-${lang}-scan`);

      for (const s of ["door-test", "layout", "vending", "live", "terminals"] as const) {
        await show(page, s);
        await expectNoAxeViolations(page, `${s} (${lang})`);
        await screenshot(page, `console-${lang}-${s}`);
      }

      await show(page, "devices");
      await page.locator("table tbody tr").first().waitFor();
      await page.locator("main button.primary").first().click(); // add a device: the form
      await page.locator("#device-form-title").waitFor();
      await expectNoAxeViolations(page, `devices with the add form (${lang})`);
      await screenshot(page, `console-${lang}-devices`);

      await show(page, "cold");
      await page.locator("figure.chart canvas").waitFor();
      await expectNoAxeViolations(page, `cold zones (${lang})`);
      await screenshot(page, `console-${lang}-cold`);
      expect(errors).toEqual([]);
      await context.close();
    });
  }
});
