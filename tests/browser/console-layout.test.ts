/**
 * An installer changes the compartment layout from the console (issue 12) on the demo site
 * started from a config file: A07 becomes an XL, A01 is taken out of use, saved (PATCH
 * /api/v1/locker/{bank}/layout: applied live); after a reload the screen shows both, and the
 * gateway's locker runs them (A01 out of service, disabled). A zone the cold zones do not list is
 * refused with its code and key path, in English; the screen reads in Chinese too. No axe
 * violations on the screen.
 */
import type { Browser } from "playwright-core";
import { describe, expect, it } from "vitest";
import { expectNoAxeViolations, noBrowser, screenshot, siteAndBrowser } from "../helpers/browser.js";
import {
  apiCall,
  type ConsoleSite,
  logIn,
  openConsole,
  openScreen,
  startDemoSite,
} from "../helpers/console.js";

type Layout = {
  compartments: { id: string; size: string; enabled: boolean; state?: string; reason?: string }[];
};

describe.skipIf(noBrowser)("console: compartment layout", () => {
  let browser: Browser;
  let site: ConsoleSite;
  siteAndBrowser(startDemoSite, (s, b) => {
    site = s;
    browser = b;
  });

  it("changes a size, disables a compartment, saves, reloads and sees it", { timeout: 180_000 }, async () => {
    const { page, context, errors } = await openConsole(browser, site);
    await logIn(page);
    await openScreen(page, "layout");
    await page.getByLabel("Locker bank").selectOption("locker-a");
    const size = page.getByLabel("Size of A07");
    await expect.poll(() => size.inputValue()).toBe("M");

    await size.selectOption("XL");
    await page.getByLabel("A01 in use").uncheck();
    await page.getByRole("button", { name: "Save 2 change(s)" }).click();
    await page.getByRole("status").filter({ hasText: "Saved and applied." }).waitFor();
    await screenshot(page, "console-layout");

    // the gateway runs it: A01 out of service (disabled), A07 an XL
    const layout = (await apiCall<Layout>(site, "GET", "/locker/locker-a/layout")).body;
    const byId = (id: string) => layout.compartments.find((c) => c.id === id);
    expect(byId("A01")).toMatchObject({ enabled: false, state: "out_of_service", reason: "disabled" });
    expect(byId("A07")).toMatchObject({ size: "XL", enabled: true });

    await page.reload();
    await page.locator("h1#screen-title").filter({ hasText: "Compartment layout" }).waitFor();
    await page.getByLabel("Locker bank").selectOption("locker-a");
    await expect.poll(() => page.getByLabel("Size of A07").inputValue()).toBe("XL");
    expect(await page.getByLabel("A01 in use").isChecked()).toBe(false);
    const row = page.getByRole("row", { name: /^A01\b/ });
    await expect.poll(() => row.textContent()).toMatch(/Out of use/);
    await expectNoAxeViolations(page, "console layout");

    // a chilled zone for a compartment no cold zone lists: refused, with the code and the key path
    await page.getByLabel("Zone of A02").selectOption("chilled");
    await page.getByRole("button", { name: "Save 1 change(s)" }).click();
    const alert = page.getByRole("alert");
    await alert.filter({ hasText: "QH_CONFIG_INVALID" }).waitFor();
    expect(await alert.textContent()).toContain("buses[0].devices[0].compartments.A02.zone");
    const unchanged = (await apiCall<Layout>(site, "GET", "/locker/locker-a/layout")).body;
    expect(unchanged.compartments.find((c) => c.id === "A02")).toMatchObject({ enabled: true });
    expect(errors).toEqual([]);
    await context.close();

    // in Chinese: the same layout
    const zh = await openConsole(browser, site, "zh");
    await logIn(zh.page);
    await zh.page.goto(site.url("/#/layout"));
    await zh.page.locator("h1#screen-title").filter({ hasText: "格口布局" }).waitFor();
    await zh.page.getByLabel("柜组").selectOption("locker-a");
    await expect.poll(() => zh.page.getByLabel("A07 的尺寸").inputValue()).toBe("XL");
    await expect.poll(() => zh.page.getByRole("row", { name: /^A01\b/ }).textContent()).toMatch(/已停用/);
    await screenshot(zh.page, "console-layout-zh");
    expect(zh.errors).toEqual([]);
    await zh.context.close();
  });
});
