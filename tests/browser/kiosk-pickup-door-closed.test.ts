/**
 * After a resident's pickup the door screen follows the door: "柜门已打开" while it is open, then
 * "柜门已关好" with "取件完成" once the parcel is taken and the door shut (before the fix the heading
 * still said the door was open); the same in English ("The door is closed", "All done"). Both
 * screens pass the size, contrast and axe checks.
 */
import type { Browser, Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { noBrowser, type PageSite, siteAndBrowser, startPageSite } from "../helpers/browser.js";
import { depositByApi, hands, openKiosk, pickupCodeFromStore, typeOnKeypad } from "../helpers/kiosk.js";
import { expectReadable } from "../helpers/kiosk-readable.js";
import { waitUntil } from "../helpers/upstream.js";

describe.skipIf(noBrowser)("kiosk: the resident's door screen after the door is shut", () => {
  let browser: Browser;
  let site: PageSite;
  siteAndBrowser(startPageSite, (s, b) => {
    site = s;
    browser = b;
  });

  async function openDoor(page: Page, barcode: string) {
    const where = await depositByApi(site, barcode);
    const code = await pickupCodeFromStore(site, where.parcelId);
    await page.getByTestId("home-pickup").click();
    await typeOnKeypad(page, code);
    await page.getByTestId("submit").click();
    await page.getByTestId("screen-collect").waitFor();
    await waitUntil(
      async () =>
        (await site.call<{ open: boolean }>("GET", `/sim/lockers/${where.device}/${where.compartment}`)).body
          .open,
      10_000,
      "the resident's door open",
    );
    return where;
  }
  const heading = (page: Page) => page.locator("#collect-heading").textContent();

  it("zh: taken and shut: the heading says the door is closed", { timeout: 120_000 }, async () => {
    const page = await openKiosk(browser, site);
    const where = await openDoor(page, "PKG-CLOSE-ZH");
    expect(await heading(page)).toBe("柜门已打开");
    expect(await page.getByText("请取出包裹，然后关好柜门。").count()).toBe(1);
    await hands(site, where.device, where.compartment, "take");
    await hands(site, where.device, where.compartment, "close");
    await page.getByTestId("collect-done").waitFor();
    expect(await heading(page)).toBe("柜门已关好");
    expect(await page.getByText("柜门已打开").count()).toBe(0);
    expect(await page.getByText("请取出包裹，然后关好柜门。").count()).toBe(0);
    expect(await page.getByTestId("door-number").textContent()).toBe(`柜门${where.compartment}`);
    await expectReadable(page, "kiosk-zh-collect-closed");
    await page.close();
  });

  it("en: taken and shut: the heading says the door is closed", { timeout: 120_000 }, async () => {
    const page = await openKiosk(browser, site, { lang: "en" });
    const where = await openDoor(page, "PKG-CLOSE-EN");
    expect(await heading(page)).toBe("The door is open");
    await hands(site, where.device, where.compartment, "take");
    await hands(site, where.device, where.compartment, "close");
    await page.getByTestId("collect-done").waitFor();
    expect(await page.getByTestId("collect-done").textContent()).toBe("Done All done. Thank you!");
    expect(await heading(page)).toBe("The door is closed");
    expect(await page.getByText("The door is open").count()).toBe(0);
    expect(await page.getByText("Take your parcel, then close the door.").count()).toBe(0);
    await expectReadable(page, "kiosk-en-collect-closed");
    await page.close();
  });
});
