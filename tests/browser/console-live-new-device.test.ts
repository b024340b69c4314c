/**
 * New devices are not lost among the old ones during commissioning (PROTOCOLS.md §11,
 * zigbee2mqtt #18921): a device added while the live view is open and sending its first event is
 * pinned under "New devices" and its rows carry a NEW mark; the old devices' rows do not.
 */
import mqtt from "mqtt";
import type { Browser } from "playwright-core";
import { describe, expect, it } from "vitest";
import { noBrowser, screenshot, siteAndBrowser } from "../helpers/browser.js";
import {
  apiCall,
  type ConsoleSite,
  logIn,
  openConsole,
  openScreen,
  startDemoSite,
} from "../helpers/console.js";

describe.skipIf(noBrowser)("console: live view, new devices", () => {
  let browser: Browser;
  let site: ConsoleSite;
  siteAndBrowser(startDemoSite, (s, b) => {
    site = s;
    browser = b;
  });

  it("pins a device added during the session and marks its rows NEW", async () => {
    const { page, context, errors } = await openConsole(browser, site);
    await logIn(page);
    await openScreen(page, "live");
    await page.locator(".status", { hasText: /Connected$/ }).waitFor();
    await page.getByText("No new device since this view opened.").waitFor();

    // an old device's event: no mark
    await apiCall(site, "POST", "/sim/lockers/locker-a/A07", { action: "force-open" });
    const old = page.locator("table.live tbody tr", { hasText: "door.forced" }).first();
    await old.waitFor({ timeout: 15_000 });
    expect(await old.textContent()).not.toContain("NEW");

    // a new MQTT device, provisioned and sending its first event
    const added = await apiCall<{ secret?: string }>(site, "POST", "/devices", {
      id: "meter-9",
      model: "generic-mqtt",
    });
    expect(added.status).toBeLessThan(300);
    const password = added.body.secret ?? "";
    const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${site.deviceBrokerPort}`, {
      username: "meter-9",
      password,
      clientId: "meter-9",
      reconnectPeriod: 0,
    });
    await client.publishAsync("dev/meter-9/evt/meter.reading", JSON.stringify({ kwh: 12.5 }), { qos: 1 });
    await client.endAsync();

    const pinned = page.locator("ul.fresh li", { hasText: "meter-9" });
    await pinned.waitFor({ timeout: 15_000 });
    expect(await pinned.textContent()).toContain("NEW");
    const row = page.locator("table.live tbody tr", { hasText: "meter.reading" }).first();
    await row.waitFor();
    expect(await row.textContent()).toContain("NEW");
    expect(await page.locator("ul.fresh li").count()).toBe(1); // locker-a is not "new"
    await screenshot(page, "console-live-new-device");
    expect(errors).toEqual([]);
    await context.close();
  });
});
