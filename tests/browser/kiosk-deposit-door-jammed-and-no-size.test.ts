/**
 * Deposit failures told on the screen: the offered door is jammed (it never opens) → "柜门 A01 打不开，
 * 已为您改开柜门 A02" with the new door number big; then the last compartments of a size are taken
 * out of service while the courier looks at the sizes → choosing it says there is none of that size
 * left, and the courier can pick another.
 */
import type { Browser } from "playwright-core";
import { describe, expect, it } from "vitest";
import { noBrowser, type PageSite, screenshot, siteAndBrowser, startPageSite } from "../helpers/browser.js";
import { COURIER_CODE, hands, openKiosk, session, typeOnKeypad } from "../helpers/kiosk.js";

describe.skipIf(noBrowser)("kiosk: a jammed door and no compartment of a size", () => {
  let browser: Browser;
  let site: PageSite;
  siteAndBrowser(
    () => startPageSite({ locker: { doorOpenTimeoutSeconds: 2 } }),
    (s, b) => {
      site = s;
      browser = b;
    },
  );

  it("offers another door after a jam, and says when a size has run out", { timeout: 180_000 }, async () => {
    await hands(site, "locker-a", "A01", "jam");
    const page = await openKiosk(browser, site);
    await page.getByTestId("home-deposit").click();
    await typeOnKeypad(page, COURIER_CODE);
    await page.getByTestId("submit").click();
    await page.getByTestId("barcode-input").fill("PKG-JAM-1");
    await page.getByTestId("barcode-submit").click();
    await page.getByTestId("size-S").click();
    const moved = page.getByTestId("door-moved");
    await moved.waitFor({ timeout: 30_000 });
    const s = (await session(site))!;
    expect(s.compartment).not.toBe("A01");
    expect(await moved.textContent()).toBe(`请注意 柜门 A01 打不开，已为您改开柜门 ${s.compartment}。`);
    expect(await page.getByTestId("door-number").textContent()).toBe(`柜门${s.compartment}`);
    await screenshot(page, "kiosk-zh-door-moved");
    await page.getByTestId("screen-open").waitFor();
    await hands(site, s.device!, s.compartment!, "close");
    await page.getByTestId("deposited").waitFor();

    await page.getByTestId("barcode-input").fill("PKG-XL-1");
    await page.getByTestId("barcode-submit").click();
    await page.getByTestId("size-XL").waitFor();
    let n = 0;
    for (const compartment of ["A23", "A24"]) {
      const cmd = {
        id: `cmd-disable-${++n}`,
        args: { device: "locker-a", compartment, reason: "test" },
        expiresAt: new Date(Date.now() + 60_000).toISOString(),
      };
      await site.router.handleMessage("compartment.disable", Buffer.from(JSON.stringify(cmd)));
    }
    await page.getByTestId("size-XL").click();
    const failure = page.getByTestId("failure");
    await failure.waitFor();
    expect(await failure.textContent()).toBe("出错了 没有这个大小的空闲柜门，请选择其他大小。");
    await screenshot(page, "kiosk-zh-no-size");
    // the courier picks another size: the door opens
    await page.getByTestId("size-M").click();
    await page.getByTestId("screen-open").waitFor();
    await page.close();
  });
});
