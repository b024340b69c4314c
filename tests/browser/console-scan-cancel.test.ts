/**
 * Cancelling a bus scan from the console: a long scan (every address of bus-a) is cancelled with
 * the Cancel button; the page says "Cancelled", the job stopped short of its total (the gateway's
 * job says so too), and a new scan can start.
 */
import type { Browser } from "playwright-core";
import { describe, expect, it } from "vitest";
import { noBrowser, type PageSite, siteAndBrowser, startPageSite } from "../helpers/browser.js";
import { logIn, openConsole, openScreen } from "../helpers/console.js";

describe.skipIf(noBrowser)("console: cancel a bus scan", () => {
  let browser: Browser;
  let site: PageSite;
  siteAndBrowser(startPageSite, (s, b) => {
    site = s;
    browser = b;
  });

  it("cancels a running scan", { timeout: 180_000 }, async () => {
    const { page, context, errors } = await openConsole(browser, site);
    await logIn(page);
    await openScreen(page, "scan");
    await page.getByLabel("Bus", { exact: true }).selectOption("bus-a");
    await page.getByLabel("From address").fill("1");
    await page.getByLabel("To address").fill("200");
    const posted = page.waitForResponse((r) => r.url().endsWith("/api/v1/buses/bus-a/scan"));
    await page.getByRole("button", { name: "Scan", exact: true }).click();
    const job = ((await (await posted).json()) as { job: string }).job;
    await page.getByRole("status").filter({ hasText: "Running" }).waitFor();
    await page.getByRole("button", { name: "Cancel", exact: true }).click();
    await page.getByRole("status").filter({ hasText: "Cancelled" }).waitFor({ timeout: 30_000 });

    const r = await site.call<{ state: string; progress: { done: number; total: number } }>(
      "GET",
      `/jobs/${job}`,
    );
    expect(r.body.state).toBe("cancelled");
    expect(r.body.progress.total).toBe(200);
    expect(r.body.progress.done).toBeLessThan(200);
    expect(await page.getByRole("button", { name: "Cancel", exact: true }).count()).toBe(0);
    expect(await page.getByRole("button", { name: "Scan", exact: true }).isEnabled()).toBe(true);
    expect(errors).toEqual([]);
    await context.close();
  });
});
