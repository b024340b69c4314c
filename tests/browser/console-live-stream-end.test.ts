/**
 * The live view tells a normal end of its stream from a failure. A stream that drops without the
 * gateway's `event: end` (a cable pulled: played here by answering the first connection with a
 * stream that closes at once, since a broken network is not ours to run) shows an error and
 * reconnects by itself; the gateway closing (it sends `event: end` to every stream) shows
 * "ended", no error, no alert.
 */
import type { Browser } from "playwright-core";
import { describe, expect, it } from "vitest";
import { noBrowser, type PageSite, siteAndBrowser, startPageSite } from "../helpers/browser.js";
import { logIn, openConsole, openScreen } from "../helpers/console.js";

describe.skipIf(noBrowser)("console: the live view's stream ending", () => {
  let browser: Browser;
  let site: PageSite;
  siteAndBrowser(startPageSite, (s, b) => {
    site = s;
    browser = b;
  });

  it("a dropped stream is an error and reconnects; the gateway closing is a normal end", {
    timeout: 120_000,
  }, async () => {
    const { page, context, errors } = await openConsole(browser, site);
    await logIn(page);
    let dropped = 0;
    await page.route("**/api/v1/live*", async (route) => {
      if (dropped++ === 0)
        return route.fulfill({ status: 200, contentType: "text/event-stream", body: ": stream open\n\n" });
      return route.fallback();
    });
    await openScreen(page, "live");
    await page.locator(".status-bad", { hasText: "Connection lost (an error): reconnecting" }).waitFor();
    await page.locator(".status-ok", { hasText: /Connected$/ }).waitFor({ timeout: 30_000 });
    expect(dropped).toBeGreaterThanOrEqual(2);

    await site.api.close(); // the gateway's HTTP server closes: every stream gets `event: end`
    await page.locator(".status", { hasText: "The gateway ended the stream" }).waitFor();
    expect(await page.locator(".status-bad").count()).toBe(0);
    expect(await page.getByRole("alert").count()).toBe(0);
    // reconnect attempts against the closed gateway keep it a normal end, not an error
    await page.waitForTimeout(3000);
    expect(await page.locator(".status-bad").count()).toBe(0);
    expect(errors).toEqual([]);
    await context.close();
  });
});
