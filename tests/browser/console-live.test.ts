/**
 * The live view streams what happens on site (GET /api/v1/live, SSE): a door forced open on the
 * simulated bank appears as events of locker-a; Pause holds the next items aside (counted, not
 * shown) and Resume shows them; "Errors only" keeps the forced door and leaves out the door's
 * ordinary opening and the outbox figures.
 */
import type { Browser } from "playwright-core";
import { describe, expect, it } from "vitest";
import { noBrowser, type PageSite, screenshot, siteAndBrowser, startPageSite } from "../helpers/browser.js";
import { apiCall, logIn, openConsole, openScreen } from "../helpers/console.js";

describe.skipIf(noBrowser)("console: live view", () => {
  let browser: Browser;
  let site: PageSite;
  siteAndBrowser(startPageSite, (s, b) => {
    site = s;
    browser = b;
  });

  it("shows a forced door as it happens, and holds items while paused", async () => {
    const { page, context, errors } = await openConsole(browser, site);
    await logIn(page);
    await openScreen(page, "live");
    await page.locator(".status", { hasText: /Connected$/ }).waitFor();
    const stream = page.locator("table.live tbody");

    expect((await apiCall(site, "POST", "/sim/lockers/locker-a/A05", { action: "force-open" })).status).toBe(
      200,
    );
    const forced = stream.locator("tr", { hasText: "door.forced" });
    await forced.first().waitFor({ timeout: 15_000 });
    expect(await forced.first().textContent()).toContain("locker-a");
    await screenshot(page, "console-live");

    await page.getByRole("button", { name: "Pause" }).click();
    expect((await apiCall(site, "POST", "/sim/lockers/locker-a/A05", { action: "close" })).status).toBe(200);
    const resume = page.getByRole("button", { name: /^Resume \((\d+) waiting\)$/ });
    await expect
      .poll(async () => Number(/\((\d+)/.exec((await resume.textContent()) ?? "")?.[1] ?? 0))
      .toBeGreaterThan(0);
    expect(await stream.locator("tr", { hasText: "door.closed" }).count()).toBe(0);
    await resume.click();
    await stream.locator("tr", { hasText: "door.closed" }).first().waitFor();

    await page.getByLabel("Errors only").check();
    await page.locator(".status", { hasText: /Connected$/ }).waitFor();
    await page.getByRole("button", { name: "Clear the list" }).click();
    expect((await apiCall(site, "POST", "/sim/lockers/locker-a/A06", { action: "force-open" })).status).toBe(
      200,
    );
    await stream.locator("tr", { hasText: "door.forced" }).first().waitFor({ timeout: 15_000 });
    expect(await stream.locator("tr", { hasText: "door.opened" }).count()).toBe(0);
    expect(await stream.locator("tr", { hasText: "Outbox" }).count()).toBe(0);
    expect(await stream.locator("tr").first().textContent()).toContain("Error");
    expect(errors).toEqual([]);
    await context.close();
  });
});
