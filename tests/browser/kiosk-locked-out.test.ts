/**
 * Too many wrong codes lock the terminal: the screen says until when, in the site's time zone
 * (`trace.timeZone` Asia/Shanghai: the gateway's `until` shown as HH:MM there), and a right code is
 * refused meanwhile.
 */
import type { Browser } from "playwright-core";
import { describe, expect, it } from "vitest";
import { noBrowser, type PageSite, siteAndBrowser, startPageSite } from "../helpers/browser.js";
import { openKiosk, TERMINAL, typeOnKeypad } from "../helpers/kiosk.js";

describe.skipIf(noBrowser)("kiosk: locked out", () => {
  let browser: Browser;
  let site: PageSite;
  siteAndBrowser(
    () => startPageSite({ locker: { maxWrongCodes: 2, lockoutMinutes: 15 }, timeZone: "Asia/Shanghai" }),
    (s, b) => {
      site = s;
      browser = b;
    },
  );

  it("tells until when, and keeps telling it", async () => {
    const page = await openKiosk(browser, site, {
      viewport: { width: 1024, height: 768 },
      timezoneId: "Asia/Shanghai",
    });
    await page.getByTestId("home-pickup").click();
    await typeOnKeypad(page, "000000");
    await page.getByTestId("submit").click();
    await page.getByText("还可以再试 1 次").waitFor();
    await typeOnKeypad(page, "000001");
    await page.getByTestId("submit").click();
    const failure = page.getByTestId("failure");
    await page.getByText("本机暂停输入").waitFor();

    const r = await site.call<{ error: { code: string; details: { until: string } } }>(
      "POST",
      `/kiosk/${TERMINAL}/pickup`,
      { code: "123456" },
    );
    expect(r.status).toBe(429);
    expect(r.body.error.code).toBe("QH_LOCKER_LOCKED_OUT");
    const hhmm = new Date(r.body.error.details.until).toLocaleTimeString("zh-CN", {
      timeZone: "Asia/Shanghai",
      hour: "2-digit",
      minute: "2-digit",
    });
    // another day in Shanghai (a lock-out across midnight) is dated: "12-01 00:11"
    const until = new Date(r.body.error.details.until);
    const day = (d: Date) => d.toLocaleDateString("zh-CN", { timeZone: "Asia/Shanghai" });
    const when =
      day(until) === day(new Date())
        ? hhmm
        : `${until.toLocaleDateString("zh-CN", { timeZone: "Asia/Shanghai", month: "2-digit", day: "2-digit" })} ${hhmm}`;
    expect(await failure.textContent()).toBe(
      `出错了 输入错误次数太多，本机暂停输入，请在 ${when} 以后再试。`,
    );

    // still locked: the next code is refused with the same message
    await typeOnKeypad(page, "123456");
    await page.getByTestId("submit").click();
    await page.getByTestId("lang-switch").click();
    await page.getByText(`this screen takes no codes until ${hhmm}`, { exact: false }).waitFor();
    await page.close();
  });
});
