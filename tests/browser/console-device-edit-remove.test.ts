/**
 * Editing and removing devices from the console (demo site, started from a config file): an MQTT
 * device's name is changed and applies at once; a serial device's address is saved and waits for
 * a restart (said in the page); removing asks for a second press (no pop-up), then the device is
 * gone from the page and the API.
 */
import type { Browser } from "playwright-core";
import { describe, expect, it } from "vitest";
import { noBrowser, siteAndBrowser } from "../helpers/browser.js";
import {
  apiCall,
  type ConsoleSite,
  logIn,
  openConsole,
  openScreen,
  startDemoSite,
} from "../helpers/console.js";

describe.skipIf(noBrowser)("console: edit and remove a device", () => {
  let browser: Browser;
  let site: ConsoleSite;
  siteAndBrowser(startDemoSite, (s, b) => {
    site = s;
    browser = b;
  });

  it("edits an MQTT device's name, a serial device's address, and removes a device", {
    timeout: 180_000,
  }, async () => {
    const { page, context, errors } = await openConsole(browser, site);
    const dialogs: string[] = [];
    page.on("dialog", (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    await logIn(page);
    await openScreen(page, "devices");

    await page.getByRole("button", { name: "Edit meter-1" }).click();
    await page.getByRole("heading", { name: "Edit meter-1" }).waitFor();
    await page.getByLabel("Name").fill("Lobby meter");
    await page.getByRole("button", { name: "Save" }).click();
    await page.getByText("Saved and applied.").waitFor();
    await page.locator("tbody tr", { hasText: "Lobby meter" }).waitFor();
    const meter = await apiCall<{ name?: string }>(site, "GET", "/devices/meter-1");
    expect(meter.body.name).toBe("Lobby meter");

    await page.getByRole("button", { name: "Edit cold-ctrl" }).click();
    await page.getByLabel("Address").fill("7");
    await page.getByRole("button", { name: "Save" }).click();
    await page.getByText("takes effect after a restart of the gateway").waitFor();
    const ctrl = await apiCall<{ address?: number }>(site, "GET", "/devices/cold-ctrl");
    expect(ctrl.status).toBe(200);
    const pending = await apiCall<{ pendingRestart?: { required: boolean } }>(site, "GET", "/site");
    expect(pending.body.pendingRestart?.required).toBe(true);

    await page.getByRole("button", { name: "Remove meter-1" }).click();
    await page.getByRole("button", { name: "Press again to remove meter-1" }).click();
    await page.locator("tbody tr", { hasText: "meter-1" }).waitFor({ state: "detached" });
    expect((await apiCall(site, "GET", "/devices/meter-1")).status).toBe(404);
    expect(dialogs).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  });
});
