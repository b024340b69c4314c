/**
 * axe-core (WCAG 2.0, 2.1 and 2.2, A and AA) finds no violation on any kiosk screen, in Chinese
 * and in English; each screen is saved to test-artifacts/kiosk-<lang>-<screen>.png, and the home
 * screen (Chinese) to docs/screenshots/kiosk.png for the README. Then the same in emergency supply
 * mode (the banner on): the volunteer's loading and take-back screens and the resident's bundle
 * refusals (test-artifacts/kiosk-<lang>-emergency-<screen>.png).
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
import { EMERGENCY_SCREENS, walkEmergencyScreens } from "../helpers/kiosk-emergency-screens.js";
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

  // after the normal walks: emergency mode stays on for the rest of this site's life
  for (const lang of ["zh", "en"] as const) {
    it(`no violations on the emergency supply screens, banner on (${lang})`, {
      timeout: 400_000,
    }, async () => {
      const seen = await walkEmergencyScreens(
        browser,
        site,
        async (name, page) => {
          // every one of these screens shows the emergency banner
          expect(await page.getByTestId("site-mode").count(), name).toBe(1);
          await screenshot(page, `kiosk-${lang}-emergency-${name}`);
          await expectNoAxeViolations(page, `kiosk emergency ${name} (${lang})`);
        },
        { lang, tag: `AXE-${lang}`, code: lang === "zh" ? "73910001" : "73910002" },
      );
      expect(seen).toEqual([...EMERGENCY_SCREENS]);
    });
  }
});
