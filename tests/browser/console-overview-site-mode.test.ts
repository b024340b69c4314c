/**
 * The console's overview shows the site's service mode (issue 11): "Normal" on a fresh site, and
 * "Emergency supply" with the reason and end time once the platform's `site.mode` switched it
 * (after a refresh of the overview).
 */
import type { Browser } from "playwright-core";
import { describe, expect, it } from "vitest";
import { noBrowser, type PageSite, siteAndBrowser, startPageSite } from "../helpers/browser.js";
import { logIn, openConsole } from "../helpers/console.js";

describe.skipIf(noBrowser)("console: the site mode in the overview", () => {
  let browser: Browser;
  let site: PageSite;
  siteAndBrowser(startPageSite, (s, b) => {
    site = s;
    browser = b;
  });

  it("shows normal, then emergency with its reason and end", async () => {
    const { page } = await openConsole(browser, site);
    await logIn(page);
    await page.getByRole("heading", { level: 1, name: "Site overview" }).waitFor();
    const fact = page.getByTestId("overview-site-mode");
    await fact.waitFor();
    expect(await fact.textContent()).toContain("Normal");

    const r = await site.router.handleMessage(
      "site.mode",
      Buffer.from(
        JSON.stringify({
          id: "cmd-console-mode-1",
          args: { mode: "emergency", reason: "typhoon", until: "2099-06-01T10:00:00.000Z" },
          expiresAt: new Date(Date.now() + 60_000).toISOString(),
        }),
      ),
    );
    expect(JSON.stringify(r)).toContain('"ok"');
    await page.getByRole("button", { name: "Refresh" }).first().click();
    await page.getByText("Emergency supply (typhoon; until 2099-06-01T10:00:00.000Z)").waitFor();
    await page.close();
  });
});
