/**
 * A mistyped kiosk address (`/kiosk/kiosk-zz`, a terminal the site does not have) shows "this screen
 * is not set up: terminal kiosk-zz is unknown, ask the installer", in Chinese and in English, and
 * never the home screen (before the fix the page took the 404 for "paired" and showed home). The
 * server answers the page's whoami with 404 QH_LOCKER_TERMINAL_UNKNOWN; the screen passes the
 * kiosk's size, contrast and axe checks.
 */
import type { Browser } from "playwright-core";
import { describe, expect, it } from "vitest";
import {
  KIOSK_VIEWPORT,
  newPage,
  noBrowser,
  type PageSite,
  siteAndBrowser,
  startPageSite,
} from "../helpers/browser.js";
import { pairScreen } from "../helpers/kiosk.js";
import { expectReadable } from "../helpers/kiosk-readable.js";

describe.skipIf(noBrowser)("kiosk: a terminal the site does not have", () => {
  let browser: Browser;
  let site: PageSite;
  siteAndBrowser(startPageSite, (s, b) => {
    site = s;
    browser = b;
  });

  for (const paired of [false, true])
    it(`says the screen is not set up (${paired ? "a screen paired with kiosk-a" : "an unpaired screen"})`, {
      timeout: 120_000,
    }, async () => {
      const page = await newPage(browser, { viewport: KIOSK_VIEWPORT, locale: "zh-CN" });
      if (paired) await pairScreen(page, site);
      const who = await page.request.get(site.url("/api/v1/kiosk/kiosk-zz/whoami"));
      expect(who.status()).toBe(404);
      expect((await who.json()).error).toMatchObject({ code: "QH_LOCKER_TERMINAL_UNKNOWN" });
      expect((await who.json()).error.hint).toMatch(/locker\.terminals/);

      await page.goto(site.url("/kiosk/kiosk-zz"));
      const screen = page.getByTestId("screen-unknown-terminal");
      await screen.waitFor();
      expect(await page.getByRole("heading", { level: 1 }).textContent()).toBe("此屏幕尚未设置");
      expect(await page.getByTestId("unknown-terminal").textContent()).toBe(
        "出错了 本柜机没有名为“kiosk-zz”的终端，可能是地址输错了。",
      );
      expect(await screen.textContent()).toContain("请联系物业或安装人员");
      expect(await page.getByTestId("home-pickup").count()).toBe(0);
      expect(await page.getByTestId("screen-pairing").count()).toBe(0);
      await expectReadable(page, `kiosk-zh-unknown-terminal${paired ? "-paired" : ""}`);

      await page.getByTestId("lang-switch").click();
      await page.locator("html[lang=en]").waitFor();
      expect(await page.getByRole("heading", { level: 1 }).textContent()).toBe("This screen is not set up");
      expect(await page.getByTestId("unknown-terminal").textContent()).toBe(
        "Problem Terminal “kiosk-zz” is unknown at this locker: the address may be mistyped.",
      );
      expect(await screen.textContent()).toContain("ask the site office or the installer");
      await expectReadable(page, `kiosk-en-unknown-terminal${paired ? "-paired" : ""}`);
      // still there a few polls later (nothing moves it to home or pairing)
      await page.waitForTimeout(2500);
      expect(await screen.isVisible()).toBe(true);
      await page.close();
    });
});
