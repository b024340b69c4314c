/**
 * The time limit (WCAG 2.2.1): a screen left alone warns on the screen itself (not a pop-up) with at
 * least 20 s left and a button for more time; the button starts the limit again (as often as
 * asked); a screen left alone after the warning goes back to the start, in Chinese, and ends the
 * courier's session. The page's clock is the test's (Playwright's clock), the gateway's is real.
 */
import type { Browser } from "playwright-core";
import { describe, expect, it } from "vitest";
import { noBrowser, type PageSite, siteAndBrowser, startPageSite } from "../helpers/browser.js";
import { COURIER_CODE, openKiosk, session, typeOnKeypad } from "../helpers/kiosk.js";

describe.skipIf(noBrowser)("kiosk: time limit", () => {
  let browser: Browser;
  let site: PageSite;
  siteAndBrowser(startPageSite, (s, b) => {
    site = s;
    browser = b;
  });

  it("warns with at least 20 s to extend, extends, and times out to the start", async () => {
    const page = await openKiosk(browser, site, { clock: true });
    // the start screen has no limit
    await page.clock.runFor(300_000);
    expect(await page.getByTestId("timeout-warning").count()).toBe(0);

    await page.getByTestId("lang-switch").click();
    await page.getByTestId("home-deposit").click();
    await typeOnKeypad(page, COURIER_CODE);
    await page.getByTestId("submit").click();
    await page.getByTestId("screen-scan").waitFor();
    expect((await session(site))?.step).toBe("scan");

    await page.clock.runFor(55_000);
    expect(await page.getByTestId("timeout-warning").count()).toBe(0);
    await page.clock.runFor(6_000);
    const warning = page.getByTestId("timeout-warning");
    await warning.waitFor();
    const left = Number((await warning.textContent())?.match(/(\d+) seconds/)?.[1]);
    expect(left).toBeGreaterThanOrEqual(20);
    for (let i = 0; i < 3; i++) {
      await page.getByTestId("timeout-extend").click();
      expect(await warning.count()).toBe(0);
      await page.clock.runFor(70_000);
      await warning.waitFor();
      expect(await page.getByTestId("screen-scan").count()).toBe(1);
    }
    await page.clock.runFor(35_000);
    await page.getByTestId("home-pickup").waitFor();
    expect(await page.locator("html").getAttribute("lang")).toBe("zh-CN");
    expect(await page.getByTestId("timeout-warning").count()).toBe(0);
    expect(await session(site)).toBeUndefined();
    await page.close();
  });
});
