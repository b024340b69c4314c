/**
 * In English, one touch away from the Chinese start screen (and one touch back): a courier
 * deposits and a resident picks up through the kiosk page, every word on the way in English.
 */
import type { Browser } from "playwright-core";
import { describe, expect, it } from "vitest";
import { noBrowser, type PageSite, siteAndBrowser, startPageSite } from "../helpers/browser.js";
import { COURIER_CODE, hands, openKiosk, session, typeOnKeypad, watchPlatform } from "../helpers/kiosk.js";
import { waitUntil } from "../helpers/upstream.js";

describe.skipIf(noBrowser)("kiosk: deposit then pickup, in English", () => {
  let browser: Browser;
  let site: PageSite;
  siteAndBrowser(startPageSite, (s, b) => {
    site = s;
    browser = b;
  });

  it("switches to English with one touch, and back", async () => {
    const page = await openKiosk(browser, site);
    const h1 = page.getByRole("heading", { level: 1 });
    expect(await h1.textContent()).toBe("您好，请选择");
    const toggle = page.getByTestId("lang-switch");
    expect(await toggle.textContent()).toBe("English");
    expect(await toggle.getAttribute("lang")).toBe("en");
    await toggle.click();
    expect(await h1.textContent()).toBe("Hello. What would you like to do?");
    expect(await page.locator("html").getAttribute("lang")).toBe("en");
    expect(await toggle.textContent()).toBe("中文");
    await toggle.click();
    expect(await h1.textContent()).toBe("您好，请选择");
    expect(await page.locator("html").getAttribute("lang")).toBe("zh-CN");
    await page.close();
  });

  it("a courier deposits and a resident picks up", async () => {
    const platform = await watchPlatform(site);
    const page = await openKiosk(browser, site, { lang: "en" });
    await page.getByRole("button", { name: /Deliver a parcel/ }).click();
    await page.getByRole("heading", { name: "Courier sign-in" }).waitFor();
    await typeOnKeypad(page, COURIER_CODE);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Scan the parcel's barcode" }).waitFor();
    await page.getByLabel("Parcel barcode", { exact: true }).fill("PKG-EN-0001");
    await page.getByRole("button", { name: "Next" }).click();
    await page.getByRole("heading", { name: "Choose a compartment size" }).waitFor();
    const large = page.getByTestId("size-L");
    expect(await large.textContent()).toMatch(/Large L\d+ free/);
    await large.click();
    await page.getByRole("heading", { name: "The door is open" }).waitFor();
    const s = (await session(site))!;
    expect(await page.getByTestId("door-number").textContent()).toBe(`Door${s.compartment}`);
    expect(await page.getByText("Put the parcel in, then close the door.").count()).toBe(1);
    await page.getByRole("button", { name: "I have closed the door" }).click();
    await page.getByText("The door is still open. Push it shut until it clicks.").waitFor();
    await hands(site, s.device!, s.compartment!, "close");
    await page.getByTestId("deposited").waitFor();
    expect(await page.getByTestId("deposited").textContent()).toContain(
      `Stored behind door ${s.compartment}.`,
    );
    await page.getByRole("button", { name: "Finish" }).click();

    const code = await platform.pickupCode(s.parcelId!);
    await page.getByRole("button", { name: /Collect a parcel/ }).click();
    await page.getByRole("heading", { name: "Enter your pickup code" }).waitFor();
    await typeOnKeypad(page, code);
    await page.getByRole("button", { name: "Open the door" }).click();
    await page.getByTestId("screen-collect").waitFor();
    expect(await page.getByTestId("door-number").textContent()).toBe(`Door${s.compartment}`);
    expect(await page.getByText("Take your parcel, then close the door.").count()).toBe(1);
    await waitUntil(
      async () =>
        (await site.call<{ open: boolean }>("GET", `/sim/lockers/${s.device}/${s.compartment}`)).body.open,
      10_000,
      "the resident's door open",
    );
    await hands(site, s.device!, s.compartment!, "close");
    await page.getByTestId("collect-done").waitFor();
    expect(await page.getByTestId("collect-done").textContent()).toContain("All done. Thank you!");
    await platform.close();
    await page.close();
  });
});
