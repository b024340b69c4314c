/**
 * The cold zones screen charts a zone's last 24 h with uPlot from
 * GET /api/v1/cold/zones/{zone}/readings: once the simulated controller has been polled, the
 * chart's canvas carries the temperature line (pixels of its stroke colour), the caption counts the
 * same readings the API returns, and the data table lists them.
 */
import type { Browser } from "playwright-core";
import { describe, expect, it } from "vitest";
import { noBrowser, type PageSite, screenshot, siteAndBrowser, startPageSite } from "../helpers/browser.js";
import { apiCall, logIn, openConsole, openScreen } from "../helpers/console.js";

interface Canvas {
  width: number;
  height: number;
  getContext(k: "2d"): {
    getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray };
  };
}
declare const document: { querySelector(s: string): Canvas | null };

/** The temperature series' stroke, #0b4f9c (web/console/screens/cold-chart.tsx). */
const STROKE = [0x0b, 0x4f, 0x9c];

describe.skipIf(noBrowser)("console: cold chart", () => {
  let browser: Browser;
  let site: PageSite;
  siteAndBrowser(startPageSite, (s, b) => {
    site = s;
    browser = b;
  });

  it("draws the chilled zone's readings", async () => {
    const range = () => {
      const to = new Date(Date.now() + 60_000);
      const from = new Date(to.getTime() - 24 * 3600_000);
      return `from=${from.toISOString()}&to=${to.toISOString()}&format=json`;
    };
    const count = async () =>
      (await apiCall<{ readings: unknown[] }>(site, "GET", `/cold/zones/chilled/readings?${range()}`)).body
        .readings.length;
    await expect.poll(count, { timeout: 20_000 }).toBeGreaterThanOrEqual(3);

    const { page, context, errors } = await openConsole(browser, site);
    await logIn(page);
    await openScreen(page, "cold");
    await page.getByRole("heading", { name: "chilled: the last 24 hours" }).waitFor();
    const caption = page.locator("figure.chart figcaption");
    await caption.waitFor();
    const shown = Number(/^(\d+) readings/.exec((await caption.textContent()) ?? "")?.[1]);
    expect(shown).toBeGreaterThanOrEqual(3);
    expect(shown).toBeLessThanOrEqual(await count());
    expect(await caption.textContent()).toMatch(/last \d+(\.\d)? °C/);

    const strokePixels = await page.evaluate((rgb) => {
      const c = document.querySelector("figure.chart canvas");
      if (!c) return -1;
      const px = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 0; i < px.length; i += 4)
        if (
          Math.abs(px[i]! - rgb[0]!) < 24 &&
          Math.abs(px[i + 1]! - rgb[1]!) < 24 &&
          Math.abs(px[i + 2]! - rgb[2]!) < 24
        )
          n++;
      return n;
    }, STROKE);
    expect(strokePixels).toBeGreaterThan(0);

    await page.getByText("Show the last readings as a table, newest first").click();
    const rows = page.locator("figure.chart details tbody tr");
    expect(await rows.count()).toBe(Math.min(48, shown));
    await screenshot(page, "console-cold");
    expect(errors).toEqual([]);
    await context.close();
  });
});
