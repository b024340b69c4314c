/**
 * The platform unreachable from the start: the kiosk says so on every screen (an icon, "网络已断开",
 * and that pickups are not affected), and a resident's pickup still opens the door. The parcel is a
 * reservation (locker.reserve carries the platform's pickup code, so the test knows it without the
 * uplink), deposited by the merchant at the terminal.
 */
import type { Browser } from "playwright-core";
import { describe, expect, it } from "vitest";
import {
  expectNoAxeViolations,
  noBrowser,
  type PageSite,
  screenshot,
  siteAndBrowser,
  startPageSite,
} from "../helpers/browser.js";
import { COURIER_CODE, hands, openKiosk, session, TERMINAL, typeOnKeypad } from "../helpers/kiosk.js";
import { waitUntil } from "../helpers/upstream.js";

const CODE = "482913";

describe.skipIf(noBrowser)("kiosk: uplink down", () => {
  let browser: Browser;
  let site: PageSite;
  siteAndBrowser(
    () => startPageSite({ uplinkDown: true }),
    (s, b) => {
      site = s;
      browser = b;
    },
  );

  it("tells the uplink is down, and a pickup still opens the door", { timeout: 180_000 }, async () => {
    const cmd = {
      id: "cmd-kiosk-offline-1",
      args: {
        orderId: "ORD-OFFLINE-1",
        size: "S",
        pickupCode: CODE,
        deadline: new Date(Date.now() + 86_400_000).toISOString(),
      },
      expiresAt: new Date(Date.now() + 60_000).toISOString(),
    };
    const result = await site.router.handleMessage("locker.reserve", Buffer.from(JSON.stringify(cmd)));
    expect(JSON.stringify(result)).toContain("ok");
    const r = await site.call("POST", `/kiosk/${TERMINAL}/deposit/reserved`, {
      orderId: "ORD-OFFLINE-1",
      courierCode: COURIER_CODE,
    });
    expect(r.status).toBe(200);
    let s = await session(site);
    await waitUntil(
      async () => {
        s = await session(site);
        return s?.step === "open";
      },
      10_000,
      "the merchant's door open",
    );
    const { device, compartment } = s as { device: string; compartment: string };
    await hands(site, device, compartment, "close");
    await waitUntil(async () => (await session(site)) === undefined, 10_000, "the reservation stored");

    const page = await openKiosk(browser, site);
    const offline = page.getByTestId("offline");
    await offline.waitFor();
    expect(await offline.textContent()).toContain("网络已断开");
    expect(await offline.textContent()).toContain("取件不受影响");
    expect(await offline.locator("svg").count()).toBe(1);
    await screenshot(page, "kiosk-zh-offline");
    await expectNoAxeViolations(page, "kiosk offline");

    await page.getByTestId("home-pickup").click();
    await typeOnKeypad(page, CODE);
    await page.getByTestId("submit").click();
    await page.getByTestId("screen-collect").waitFor();
    expect(await page.getByTestId("door-number").textContent()).toBe(`柜门${compartment}`);
    await waitUntil(
      async () =>
        (await site.call<{ open: boolean }>("GET", `/sim/lockers/${device}/${compartment}`)).body.open,
      10_000,
      "the door open while offline",
    );
    expect(await offline.count()).toBe(1);
    await page.close();
  });
});
