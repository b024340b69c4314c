/**
 * Emergency supply mode on the kiosk (issue 11): once the platform's `site.mode` puts the site
 * into emergency, every kiosk page shows a banner under the header, in Chinese and in English,
 * with its end time; at least 24 px text, contrast of at least 7:1 against what is behind it, an
 * icon and a word before the text (not colour alone), no axe violation. Back to normal: gone.
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
import { openKiosk } from "../helpers/kiosk.js";
import { contrastRatio, sampleScreen } from "../helpers/kiosk-probes.js";

describe.skipIf(noBrowser)("kiosk: the site mode banner", () => {
  let browser: Browser;
  let site: PageSite;
  siteAndBrowser(
    () => startPageSite({ timeZone: "Asia/Shanghai" }),
    (s, b) => {
      site = s;
      browser = b;
    },
  );

  const siteMode = async (args: Record<string, unknown>) => {
    const r = await site.router.handleMessage(
      "site.mode",
      Buffer.from(
        JSON.stringify({
          id: `cmd-mode-${Date.now()}-${Math.random()}`,
          args,
          expiresAt: new Date(Date.now() + 60_000).toISOString(),
        }),
      ),
    );
    expect(JSON.stringify(r)).toContain('"ok"');
  };

  it("shows emergency mode on every page, zh and en, readable; gone once normal", {
    timeout: 180_000,
  }, async () => {
    const page = await openKiosk(browser, site, { timezoneId: "Asia/Shanghai" });
    expect(await page.getByTestId("site-mode").count()).toBe(0);
    await siteMode({ mode: "emergency", reason: "typhoon", until: "2099-06-01T10:00:00Z" });

    const banner = page.getByTestId("site-mode");
    await banner.waitFor();
    const zh = (await banner.textContent()) ?? "";
    expect(zh).toContain("应急保供模式");
    expect(zh).toContain("请注意"); // the notice's word: not colour alone
    expect(zh).toContain("6月1日"); // the end time, in the site's zone (trace.timeZone Asia/Shanghai: 18:00)
    expect(zh).toContain("18:00");
    expect(await banner.locator("svg").count()).toBe(1);
    await screenshot(page, "kiosk-zh-site-mode");
    await expectNoAxeViolations(page, "kiosk emergency banner (zh)");

    const check = async () => {
      const texts = (await sampleScreen(page)).texts.filter((t) =>
        /应急保供|Emergency supply|物资|Supplies/.test(t.text),
      );
      expect(texts.length).toBeGreaterThan(0);
      for (const t of texts) {
        expect(t.fontSizePx, t.text).toBeGreaterThanOrEqual(24);
        expect(contrastRatio(t.color, t.background), t.text).toBeGreaterThanOrEqual(7);
      }
    };
    await check();

    // another page of the kiosk: the banner is still there
    await page.getByTestId("home-pickup").click();
    await page.getByTestId("submit").waitFor();
    expect(await banner.count()).toBe(1);

    // English
    await page.getByTestId("lang-switch").click();
    await page.locator("html[lang=en]").waitFor();
    const en = (await banner.textContent()) ?? "";
    expect(en).toContain("Emergency supply mode");
    expect(en).toContain("Please note");
    expect(en).toContain("1 Jun 18:00");
    await check();
    await screenshot(page, "kiosk-en-site-mode");
    await expectNoAxeViolations(page, "kiosk emergency banner (en)");

    await siteMode({ mode: "normal", reason: "over" });
    await banner.waitFor({ state: "detached" });
    await page.close();
  });
});
