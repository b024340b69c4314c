/**
 * The site overview's online states, from the bus masters: locker-a and the cold controller show
 * "Online" while their simulators answer, "Offline" once the lock board stops answering (the
 * simulator killed), and a report link opened logged out goes through the login page and back to
 * the report (JSON and the printable HTML).
 */
import type { Browser } from "playwright-core";
import { describe, expect, it } from "vitest";
import type { Simulator } from "../../src/sim/types.js";
import { noBrowser, type PageSite, siteAndBrowser, startPageSite, TOKEN } from "../helpers/browser.js";
import { logIn, openConsole } from "../helpers/console.js";

type Killable = Simulator & { kill(n: number): void; revive(n: number): void };

describe.skipIf(noBrowser)("console: overview online states; a report link logged out", () => {
  let browser: Browser;
  let site: PageSite;
  const sims = new Map<string, Killable>();
  siteAndBrowser(
    () => startPageSite({ hooks: { onSimulator: (bus, sim) => sims.set(bus, sim as Killable) } }),
    (s, b) => {
      site = s;
      browser = b;
    },
  );

  it("shows online, then offline when the board stops answering", { timeout: 120_000 }, async () => {
    const { page, context, errors } = await openConsole(browser, site);
    await logIn(page);
    const row = (id: string) =>
      page.locator("tbody tr", { has: page.locator("th", { hasText: new RegExp(`^${id}$`) }) });
    await expect
      .poll(
        async () => {
          await page.getByRole("button", { name: "Refresh" }).click();
          return [await row("locker-a").textContent(), await row("cold-ctrl").textContent()].join(" | ");
        },
        { timeout: 30_000 },
      )
      .toMatch(/Online.* \| .*Online/);
    sims.get("bus-a")?.kill(1);
    await expect
      .poll(
        async () => {
          await page.getByRole("button", { name: "Refresh" }).click();
          return (await row("locker-a").textContent()) ?? "";
        },
        { timeout: 30_000 },
      )
      .toMatch(/Offline/);
    expect(await row("locker-a").locator(".status-bad").count()).toBe(1);
    sims.get("bus-a")?.revive(1);
    expect(errors).toEqual([]);
    await context.close();
  });

  it("a report link opened logged out: login, then the report", { timeout: 120_000 }, async () => {
    const started = await site.call<{ report: string }>("POST", "/locker/locker-a/door-test", {
      locks: [1],
      openTimeoutS: 1,
      closeTimeoutS: 1,
    });
    expect(started.status).toBe(202);
    const id = started.body.report;
    for (const path of [`/api/v1/reports/${id}.html`, `/api/v1/reports/${id}`]) {
      const { page, context } = await openConsole(browser, site);
      await page.goto(site.url(path));
      await page.getByRole("heading", { level: 1, name: "Log in" }).waitFor();
      await page.getByText("After logging in you go back to the link you opened.").waitFor();
      expect(new URL(page.url()).searchParams.get("next")).toBe(path);
      await page.getByLabel("API token").fill(TOKEN);
      await page.getByRole("button", { name: "Log in", exact: true }).click();
      await page.waitForURL(site.url(path));
      expect(await page.content()).toContain(id);
      await context.close();
    }
  });
});
