/**
 * In Chinese (the default): a courier signs in on the keypad, types a barcode, picks a size, sees
 * the door number big, puts the parcel in and shuts the door, and is told it is stored; then a
 * resident types the pickup code the platform was sent, sees the same door open, takes the parcel
 * and shuts the door: "取件完成". Against the simulated locker bank of the demo site.
 */
import type { Browser } from "playwright-core";
import { describe, expect, it } from "vitest";
import { noBrowser, type PageSite, screenshot, siteAndBrowser, startPageSite } from "../helpers/browser.js";
import { COURIER_CODE, hands, openKiosk, session, typeOnKeypad, watchPlatform } from "../helpers/kiosk.js";
import { waitUntil } from "../helpers/upstream.js";

describe.skipIf(noBrowser)("kiosk: deposit then pickup, in Chinese", () => {
  let browser: Browser;
  let site: PageSite;
  siteAndBrowser(startPageSite, (s, b) => {
    site = s;
    browser = b;
  });

  it("a courier deposits and a resident picks up through the kiosk page", async () => {
    const platform = await watchPlatform(site);
    const page = await openKiosk(browser, site);
    expect(await page.locator("html").getAttribute("lang")).toBe("zh-CN");
    await expect(page.getByRole("heading", { level: 1 }).textContent()).resolves.toBe("您好，请选择");

    // courier
    await page.getByTestId("home-deposit").click();
    await page.getByRole("heading", { name: "快递员登录" }).waitFor();
    await typeOnKeypad(page, COURIER_CODE);
    await page.getByTestId("submit").click();
    await page.getByRole("heading", { name: "请扫描包裹条码" }).waitFor();
    await page.getByLabel("包裹条码", { exact: true }).fill("PKG-ZH-0001");
    await page.getByTestId("barcode-submit").click();
    await page.getByRole("heading", { name: "请选择柜门大小" }).waitFor();
    const sButton = page.getByTestId("size-S");
    expect(await sButton.textContent()).toMatch(/小号.*空闲 \d+ 个/);
    await sButton.click();
    await page.getByRole("heading", { name: "柜门已打开" }).waitFor();
    const s = await session(site);
    expect(s?.step).toBe("open");
    expect(await page.getByTestId("door-number").textContent()).toBe(`柜门${s!.compartment}`);
    await screenshot(page, "kiosk-zh-door-open");
    // "I have closed the door" while it is still open: told to push it shut
    await page.getByTestId("closed").click();
    await page.getByText("柜门还开着。请把门推紧，直到听到“咔哒”一声。").waitFor();
    await hands(site, s!.device!, s!.compartment!, "put");
    await hands(site, s!.device!, s!.compartment!, "close");
    const stored = page.getByTestId("deposited");
    await stored.waitFor();
    expect(await stored.textContent()).toContain(`已存入柜门 ${s!.compartment}`);
    expect(await page.getByText("本次已存 1 件").count()).toBe(1);
    await page.getByTestId("finish").click();
    await page.getByTestId("home-pickup").waitFor();

    // resident
    const code = await platform.pickupCode(s!.parcelId!);
    await page.getByTestId("home-pickup").click();
    await page.getByRole("heading", { name: "请输入取件码" }).waitFor();
    await typeOnKeypad(page, code);
    expect(await page.getByTestId("code-display").textContent()).toBe(code);
    await page.getByTestId("submit").click();
    await page.getByTestId("screen-collect").waitFor();
    expect(await page.getByTestId("door-number").textContent()).toBe(`柜门${s!.compartment}`);
    expect(await page.getByText("请取出包裹，然后关好柜门。").count()).toBe(1);
    await waitUntil(
      async () =>
        (await site.call<{ open: boolean }>("GET", `/sim/lockers/${s!.device}/${s!.compartment}`)).body.open,
      10_000,
      "the resident's door open",
    );
    await hands(site, s!.device!, s!.compartment!, "take");
    await hands(site, s!.device!, s!.compartment!, "close");
    await page.getByTestId("collect-done").waitFor();
    expect(await page.getByTestId("collect-done").textContent()).toContain("取件完成，谢谢！");
    await platform.close();
    await page.close();
  });
});
