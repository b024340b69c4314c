/**
 * The large-print numbers, measured in Chromium by computed style on every kiosk screen, on both
 * panel sizes (1280×800 in Chinese, 1024×768 in English): every visible text at least 24 px, every
 * button at least 64 × 64 px, every text at least 7:1 against the colour behind it (computed here
 * from the computed colours), every notice with an icon and a word (never colour alone), no dialog
 * or pop-up, nothing wider than the panel.
 */
import type { Browser, Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { noBrowser, type PageSite, siteAndBrowser, startPageSite } from "../helpers/browser.js";
import { contrastRatio, sampleScreen } from "../helpers/kiosk-probes.js";
import { SCREENS, walkKioskScreens } from "../helpers/kiosk-screens.js";

const PANELS = [
  { lang: "zh", viewport: { width: 1280, height: 800 } },
  { lang: "en", viewport: { width: 1024, height: 768 } },
] as const;

describe.skipIf(noBrowser)("kiosk: sizes and contrast by computed style", () => {
  let browser: Browser;
  let site: PageSite;
  siteAndBrowser(startPageSite, (s, b) => {
    site = s;
    browser = b;
  });

  for (const panel of PANELS) {
    it(`${panel.viewport.width}×${panel.viewport.height} (${panel.lang})`, { timeout: 300_000 }, async () => {
      const problems: string[] = [];
      let texts = 0;
      let buttons = 0;
      let lowest = 21;
      const visit = async (name: string, page: Page) => {
        page.on("dialog", (d) => problems.push(`${name}: a ${d.type()} pop-up`));
        const s = await sampleScreen(page);
        texts += s.texts.length;
        buttons += s.buttons.length;
        for (const t of s.texts) {
          if (t.fontSizePx < 24) problems.push(`${name}: "${t.text}" is ${t.fontSizePx} px`);
          const ratio = contrastRatio(t.color, t.background);
          lowest = Math.min(lowest, ratio);
          if (ratio < 7)
            problems.push(
              `${name}: "${t.text}" contrast ${ratio.toFixed(2)}:1 (${t.color} on ${t.background})`,
            );
        }
        for (const b of s.buttons)
          if (b.width < 64 || b.height < 64)
            problems.push(`${name}: button "${b.text}" is ${b.width}×${b.height}`);
        for (const n of s.noticesColourOnly) problems.push(`${name}: notice by colour alone: "${n}"`);
        if (s.dialogs > 0) problems.push(`${name}: ${s.dialogs} dialog(s)`);
        const overflow = await page.evaluate("document.documentElement.scrollWidth - window.innerWidth");
        if ((overflow as number) > 0) problems.push(`${name}: ${overflow} px wider than the panel`);
      };
      const seen = await walkKioskScreens(browser, site, visit, {
        lang: panel.lang,
        viewport: panel.viewport,
        barcode: `PKG-SIZE-${panel.lang}`,
      });
      expect(seen).toEqual([...SCREENS]);
      expect(texts).toBeGreaterThan(SCREENS.length * 3);
      expect(buttons).toBeGreaterThan(SCREENS.length * 2);
      expect(problems).toEqual([]);
      expect(lowest).toBeGreaterThanOrEqual(7);
    });
  }
});
