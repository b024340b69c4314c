/**
 * axe-core (WCAG 2.0, 2.1 and 2.2, A and AA) finds no violation on any kiosk screen, in Chinese
 * and in English; each screen is saved to test-artifacts/kiosk-<lang>-<screen>.png, and the home
 * screen (Chinese) to docs/screenshots/kiosk.png for the README.
 */
import type { Browser } from "playwright-core";
import { describe, expect, it } from "vitest";
import {
  expectNoAxeViolations,
  noBrowser,
  type PageSite,
  screenshot,
  siteAndBrowser,
  startPageSite,
} from "../helpers/browser.js";
import { SCREENS, walkKioskScreens } from "../helpers/kiosk-screens.js";

describe.skipIf(noBrowser)("kiosk: axe on every screen", () => {
  let browser: Browser;
  let site: PageSite;
  siteAndBrowser(startPageSite, (s, b) => {
    site = s;
    browser = b;
  });

  for (const lang of ["zh", "en"] as const) {
    it(`no violations on any screen (${lang})`, { timeout: 400_000 }, async () => {
      const seen = await walkKioskScreens(
        browser,
        site,
        async (name, page) => {
          await screenshot(
            page,
            `kiosk-${lang}-${name}`,
            lang === "zh" && name === "home" ? "docs/screenshots/kiosk.png" : undefined,
          );
          await expectNoAxeViolations(page, `kiosk ${name} (${lang})`);
        },
        { lang, barcode: `PKG-AXE-${lang}` },
      );
      expect(seen).toEqual([...SCREENS]);
    });
  }
});
