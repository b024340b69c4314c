/**
 * A wrong pickup code is told on the screen with the attempts left (5 allowed: 4, then 3), as
 * text with an icon and the word "出错了", and read again in English after the language switch;
 * a wrong courier code says the same for couriers.
 */
import type { Browser } from "playwright-core";
import { describe, expect, it } from "vitest";
import { noBrowser, type PageSite, siteAndBrowser, startPageSite } from "../helpers/browser.js";
import { openKiosk, typeOnKeypad } from "../helpers/kiosk.js";

describe.skipIf(noBrowser)("kiosk: a wrong code", () => {
  let browser: Browser;
  let site: PageSite;
  siteAndBrowser(startPageSite, (s, b) => {
    site = s;
    browser = b;
  });

  it("shows the attempts left, in Chinese and in English", async () => {
    const page = await openKiosk(browser, site);
    await page.getByTestId("home-pickup").click();
    await typeOnKeypad(page, "000000");
    await page.getByTestId("submit").click();
    const failure = page.getByTestId("failure");
    await failure.waitFor();
    expect(await failure.getAttribute("role")).toBe("alert");
    expect(await failure.textContent()).toBe("出错了 取件码不正确。还可以再试 4 次。");
    expect(await failure.locator("svg").count()).toBe(1);
    expect(await page.getByTestId("code-display").textContent()).toBe("尚未输入");
    await typeOnKeypad(page, "111111");
    await page.getByTestId("submit").click();
    await page.getByText("还可以再试 3 次").waitFor();
    await page.getByTestId("lang-switch").click();
    expect(await failure.textContent()).toBe(
      "Problem That pickup code is not right. You can try 3 more times.",
    );

    await page.getByTestId("back").click();
    await page.getByTestId("home-deposit").click();
    await typeOnKeypad(page, "99999999");
    await page.getByTestId("submit").click();
    await page.getByText("That courier code is not right. You can try 2 more times.").waitFor();
    await page.close();
  });
});
