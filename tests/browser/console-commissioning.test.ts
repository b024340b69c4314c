/**
 * An installer commissions the simulated bank from the console: logs in with the API token, scans
 * bus-a (the boards at addresses 1 and 2 answer, with their model), runs a door test on two doors
 * of locker-a (closing each door by hand after it opens, through the simulator), sees each door's
 * outcome appear, then downloads the commissioning report as JSON and opens the printable page.
 */
import { readFileSync } from "node:fs";
import type { Browser } from "playwright-core";
import { describe, expect, it } from "vitest";
import { noBrowser, type PageSite, screenshot, siteAndBrowser, startPageSite } from "../helpers/browser.js";
import { apiCall, logIn, openConsole, openScreen } from "../helpers/console.js";

describe.skipIf(noBrowser)("console: scan, door test, report", () => {
  let browser: Browser;
  let site: PageSite;
  siteAndBrowser(startPageSite, (s, b) => {
    site = s;
    browser = b;
  });

  it("logs in, scans bus-a, tests two doors and downloads the report", { timeout: 180_000 }, async () => {
    const { page, context, errors } = await openConsole(browser, site);
    await logIn(page);

    // bus scan: addresses 1..4 of bus-a; the demo-bank-24's two boards sit at 1 and 2, cold-a at 3
    await openScreen(page, "scan");
    await page.getByLabel("Bus", { exact: true }).selectOption("bus-a");
    await page.getByLabel("From address").fill("1");
    await page.getByLabel("To address").fill("4");
    await page.getByRole("button", { name: "Scan", exact: true }).click();
    const results = page.getByRole("table", { name: /Results/ });
    await page.getByRole("status").filter({ hasText: "Done" }).waitFor({ timeout: 30_000 });
    await expect.poll(() => results.locator("tbody tr").count()).toBe(4);
    const row = (address: number) => results.getByRole("row", { name: new RegExp(`^${address}\\b`) });
    for (const a of [1, 2, 3]) await expect.poll(() => row(a).textContent()).toMatch(/Yes/);
    expect(await row(4).textContent()).toMatch(/No/);
    await screenshot(page, "console-scan");

    // door test of doors 1 and 2; the installer shuts each door once it has opened
    await openScreen(page, "door-test");
    await page.getByLabel("Locker bank").selectOption("locker-a");
    await page.getByLabel("Doors").fill("1-2");
    await page.getByRole("button", { name: "Start the door test" }).click();
    // the installer's hand: a door seen open is shut 2 s later (the test reads it every 200 ms)
    let closing = true;
    const openSince = new Map<string, number>();
    const closer = (async () => {
      while (closing) {
        for (const c of ["A01", "A02"]) {
          const s = await apiCall<{ open: boolean }>(site, "GET", `/sim/lockers/locker-a/${c}`);
          if (!s.body.open) openSince.delete(c);
          else if (!openSince.has(c)) openSince.set(c, Date.now());
          else if (Date.now() - (openSince.get(c) ?? 0) >= 2000)
            await apiCall(site, "POST", `/sim/lockers/locker-a/${c}`, { action: "close" });
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    try {
      await page.getByRole("status").filter({ hasText: "Done" }).waitFor({ timeout: 45_000 });
    } finally {
      closing = false;
      await closer;
    }
    const doors = page.getByRole("table", { name: "Result per door" });
    await expect.poll(() => doors.locator("tbody tr").count()).toBe(2);
    for (const d of [1, 2])
      expect(await doors.getByRole("row", { name: new RegExp(`^${d}\\b`) }).textContent()).toMatch(/OK/);
    await screenshot(page, "console-door-test");

    // the report: JSON download, then the printable page
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("link", { name: "Download the report (JSON)" }).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^door-test-locker-a-.*\.json$/);
    const report = JSON.parse(readFileSync((await download.path())!, "utf8")) as {
      bank: string;
      state: string;
      doors: { lock: number; compartment: string; outcome: string }[];
    };
    expect([report.bank, report.state]).toEqual(["locker-a", "done"]);
    expect(report.doors.map((r) => [r.lock, r.compartment, r.outcome])).toEqual([
      [1, "A01", "ok"],
      [2, "A02", "ok"],
    ]);
    const [printable] = await Promise.all([
      context.waitForEvent("page"),
      page.getByRole("link", { name: "Open the printable report" }).click(),
    ]);
    await printable.waitForLoadState();
    const printed = (await printable.locator("body").textContent()) ?? "";
    expect(printed).toMatch(/locker-a/);
    expect(printed).toMatch(/A02/);
    await screenshot(printable, "console-report-html");
    expect(errors).toEqual([]);
    await context.close();
  });
});
