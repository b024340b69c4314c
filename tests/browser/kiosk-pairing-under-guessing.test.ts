/**
 * Pairing a kiosk screen while someone on the LAN guesses pairing codes for the same terminal (their
 * requests sent with other remote addresses through the gateway's own HTTP server):
 *  - one address guessing until it is slowed does not slow the installer's screen: it pairs with
 *    the real code at once (before the fix the back-off was per terminal: the screen got 429);
 *  - guesses from many addresses spend the code after 1,000 wrong ones: the screen, typing the
 *    real code, is told the code no longer works and to create a new one, in Chinese and English;
 *    a fresh code pairs. The message passes the size, contrast and axe checks.
 */
import type { Browser } from "playwright-core";
import { describe, expect, it } from "vitest";
import { noBrowser, type PageSite, siteAndBrowser, startPageSite } from "../helpers/browser.js";
import { openKiosk, TERMINAL, typeOnKeypad } from "../helpers/kiosk.js";
import { expectReadable } from "../helpers/kiosk-readable.js";

describe.skipIf(noBrowser)("kiosk: pairing while someone guesses codes", () => {
  let browser: Browser;
  let site: PageSite;
  siteAndBrowser(startPageSite, (s, b) => {
    site = s;
    browser = b;
  });

  const newCode = async () => {
    const r = await site.call<{ pairingCode: string }>("POST", `/terminals/${TERMINAL}/pairing`, {});
    expect(r.status).toBe(200);
    return r.body.pairingCode;
  };
  const guess = async (code: string, n: number, remoteAddress: string) => {
    const wrong = String((Number(code) + 1 + n) % 100_000_000).padStart(8, "0");
    const r = await site.api.inject({
      method: "POST",
      url: `/api/v1/kiosk/${TERMINAL}/pair`,
      payload: { pairingCode: wrong },
      remoteAddress,
    });
    return r.statusCode;
  };

  it("an attacker's address is slowed, the installer's screen pairs", { timeout: 180_000 }, async () => {
    const code = await newCode();
    const answers: number[] = [];
    for (let i = 0; i < 12; i++) answers.push(await guess(code, i, "192.168.1.66"));
    expect(answers.at(-1)).toBe(429);
    const page = await openKiosk(browser, site, { auth: "none" });
    await page.getByTestId("screen-pairing").waitFor();
    await typeOnKeypad(page, code);
    await page.getByTestId("submit").click();
    await page.getByTestId("home-pickup").waitFor();
    await page.close();
  });

  it("a code spent by guessing from many addresses is told; a fresh one pairs", {
    timeout: 240_000,
  }, async () => {
    const code = await newCode();
    // 250 addresses × 4 wrong guesses (each under its address's 5 free): the code's 1,000
    for (let a = 0; a < 250; a++)
      for (let i = 0; i < 4; i++) expect(await guess(code, a * 4 + i, `10.1.${a}.${i + 1}`)).toBe(403);
    const page = await openKiosk(browser, site, { auth: "none" });
    await page.getByTestId("screen-pairing").waitFor();
    await typeOnKeypad(page, code);
    await page.getByTestId("submit").click();
    const failure = page.getByTestId("failure");
    await failure.waitFor();
    expect(await failure.textContent()).toBe(
      "出错了 这个配对码被猜错的次数太多，已经作废（可能有人在网络上试猜）。请安装人员生成新的配对码后马上输入。",
    );
    await expectReadable(page, "kiosk-zh-pairing-spent");
    await page.getByTestId("lang-switch").click();
    await page.locator("html[lang=en]").waitFor();
    expect(await failure.textContent()).toBe(
      "Problem This pairing code had too many wrong guesses and no longer works (someone on the network may be guessing). Installer: create a new code and enter it at once.",
    );
    await expectReadable(page, "kiosk-en-pairing-spent");

    const fresh = await newCode();
    await typeOnKeypad(page, fresh);
    await page.getByTestId("submit").click();
    await page.getByTestId("home-pickup").waitFor();
    await page.close();
  });
});
