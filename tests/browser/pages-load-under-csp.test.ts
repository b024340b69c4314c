/**
 * The built pages load in Chromium from the gateway under its strict CSP: the kiosk page (paired)
 * renders its start screen (Chinese by default: `<html lang="zh-CN">`), with no console error and
 * no CSP violation (an inline script or style, or anything from another origin, would be one).
 */
import type { Browser } from "playwright-core";
import { describe, expect, it } from "vitest";
import {
  type BrowserDocument,
  KIOSK_VIEWPORT,
  newPage,
  noBrowser,
  type PageSite,
  siteAndBrowser,
  startPageSite,
} from "../helpers/browser.js";
import { pairScreen } from "../helpers/kiosk.js";

/** The page's document, as the functions run in it see it (this file has no DOM lib). */
declare const document: BrowserDocument;

describe.skipIf(noBrowser)("pages under the CSP", () => {
  let browser: Browser;
  let site: PageSite;
  siteAndBrowser(startPageSite, (s, b) => {
    site = s;
    browser = b;
  });

  it("the kiosk page renders with no console error and no CSP violation", async () => {
    const page = await newPage(browser, { viewport: KIOSK_VIEWPORT });
    const problems: string[] = [];
    page.on("console", (m) => {
      if (m.type() === "error") problems.push(m.text());
    });
    page.on("pageerror", (e) => problems.push(e.message));
    await pairScreen(page, site);
    const res = await page.goto(site.url("/kiosk/kiosk-a"));
    expect(res?.status()).toBe(200);
    expect(res?.headers()["content-security-policy"]).toContain("default-src 'self'");
    await page.getByTestId("home-pickup").waitFor();
    expect(await page.evaluate(() => document.documentElement.lang)).toBe("zh-CN");
    const violations = await page.evaluate(
      () =>
        new Promise<number>((resolve) => {
          let n = 0;
          document.addEventListener("securitypolicyviolation", () => n++);
          setTimeout(() => resolve(n), 200);
        }),
    );
    expect(violations).toBe(0);
    expect(problems).toEqual([]);
    await page.close();
  });
});
