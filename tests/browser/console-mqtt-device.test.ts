/**
 * Adding an MQTT device from the console: the gateway's answer carries the device's credentials,
 * which the page shows once with a copy button (the copied text is the password shown). After
 * "I have copied them", and on any later visit, the password is nowhere in the page. The
 * credentials shown are the real ones: the device broker accepts them.
 */
import mqtt from "mqtt";
import type { Browser } from "playwright-core";
import { describe, expect, it } from "vitest";
import { noBrowser, screenshot, siteAndBrowser } from "../helpers/browser.js";
import { type ConsoleSite, logIn, openConsole, openScreen, startDemoSite } from "../helpers/console.js";

declare const document: { documentElement: { outerHTML: string } };
declare const navigator: { clipboard: { readText(): Promise<string> } };

describe.skipIf(noBrowser)("console: add an MQTT device", () => {
  let browser: Browser;
  let site: ConsoleSite;
  siteAndBrowser(startDemoSite, (s, b) => {
    site = s;
    browser = b;
  });

  it("shows the new device's credentials once, copyable, and they open the device broker", async () => {
    const { page, context, errors } = await openConsole(browser, site);
    await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: site.base });
    await logIn(page);
    await openScreen(page, "devices");
    await page.getByRole("button", { name: "Add a device" }).click();
    await page.getByLabel("Device id").fill("meter-2");
    await page.getByLabel("Model").selectOption("generic-mqtt");
    await expect.poll(() => page.getByLabel("Address").count()).toBe(0); // an MQTT device has none
    await page.getByLabel("Name").fill("Hall meter");
    await page.getByRole("button", { name: "Save" }).click();

    const panel = page.getByRole("region", { name: "Credentials of meter-2" });
    await panel.waitFor();
    const password = (await panel.locator('[data-credential="password"]').textContent()) ?? "";
    expect(password.length).toBeGreaterThanOrEqual(16);
    await screenshot(page, "console-device-credentials");
    await panel.getByRole("button", { name: "Copy the Password" }).click();
    await page.getByText("Password copied.").waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(password);

    // the device row is there, and the credentials work at the device broker
    await page.getByRole("row", { name: /meter-2/ }).waitFor();
    const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${site.deviceBrokerPort}`, {
      username: "meter-2",
      password,
      clientId: "meter-2",
      reconnectPeriod: 0,
    });
    expect(client.connected).toBe(true);
    await client.endAsync();

    // once dismissed, and after a reload, the password is nowhere in the page
    await panel.getByRole("button", { name: "I have copied them" }).click();
    await expect.poll(() => panel.count()).toBe(0);
    expect(await page.evaluate(() => document.documentElement.outerHTML)).not.toContain(password);
    await page.reload();
    await page.getByRole("row", { name: /meter-2/ }).waitFor();
    expect(await page.evaluate(() => document.documentElement.outerHTML)).not.toContain(password);
    expect(errors).toEqual([]);
    await context.close();
  });
});
