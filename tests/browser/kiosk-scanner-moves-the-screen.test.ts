/**
 * The terminal's scanner (scanner-line, simulated) drives the same screens as the keypad: a
 * courier's QR code signs the courier in on the page, a barcode scanned moves it to the sizes, and
 * a resident's pickup code scanned at the start screen opens the door and shows its number; a
 * scanned code the gateway refuses is worded on the start screen as a typed one would be.
 */
import type { Browser } from "playwright-core";
import { describe, expect, it } from "vitest";
import { noBrowser, type PageSite, siteAndBrowser, startPageSite } from "../helpers/browser.js";
import { COURIER_CODE, hands, openKiosk, session, watchPlatform } from "../helpers/kiosk.js";
import { waitUntil } from "../helpers/upstream.js";

describe.skipIf(noBrowser)("kiosk: the scanner", () => {
  let browser: Browser;
  let site: PageSite;
  siteAndBrowser(startPageSite, (s, b) => {
    site = s;
    browser = b;
  });

  const scan = async (code: string) =>
    expect((await site.call("POST", "/sim/scanners/scanner-a/scan", { code })).status).toBe(200);

  it("a scanned courier code, barcode and pickup code move the screen", { timeout: 180_000 }, async () => {
    const platform = await watchPlatform(site);
    const page = await openKiosk(browser, site);
    await scan(`qh:courier:${COURIER_CODE}`);
    await page.getByTestId("screen-scan").waitFor();
    await scan("PKG-SCAN-0001");
    await page.getByTestId("screen-size").waitFor();
    await page.getByTestId("size-S").click();
    await page.getByTestId("screen-open").waitFor();
    const s = (await session(site))!;
    await hands(site, s.device!, s.compartment!, "close");
    await page.getByTestId("deposited").waitFor();
    await page.getByTestId("finish").click();
    await page.getByTestId("home-pickup").waitFor();

    const code = await platform.pickupCode(s.parcelId!);
    await scan(`qh:pickup:${code}`);
    await page.getByTestId("screen-collect").waitFor();
    expect(await page.getByTestId("door-number").textContent()).toBe(`柜门${s.compartment}`);
    await waitUntil(
      async () =>
        (await site.call<{ open: boolean }>("GET", `/sim/lockers/${s.device}/${s.compartment}`)).body.open,
      10_000,
      "the resident's door open",
    );
    await hands(site, s.device!, s.compartment!, "close");
    await page.getByTestId("collect-done").waitFor();

    // a code the gateway refuses, scanned: the same words as typed (here: wrong, tries left), on
    // the start screen, never the code itself
    await scan("qh:pickup:000000");
    const refused = page.getByTestId("scan-refused");
    await refused.waitFor();
    expect(await page.getByTestId("home-pickup").count()).toBe(1);
    const words = (await refused.textContent()) ?? "";
    expect(words).toMatch(/取件码不正确。还可以再试 \d+ 次。/);
    expect(words).not.toContain("000000");
    await platform.close();
    await page.close();
  });
});
