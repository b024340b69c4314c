/**
 * An unpaired screen shows the pairing screen (not the kiosk): a wrong code is refused on the
 * screen; the installer's one-time code (POST /api/v1/terminals/{t}/pairing) pairs it, and the
 * kiosk then works on its own HttpOnly cookie (no token in the page), across a reload; revoking
 * the credential sends the screen back to pairing.
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
import { openKiosk, TERMINAL, typeOnKeypad } from "../helpers/kiosk.js";

describe.skipIf(noBrowser)("kiosk: pairing", () => {
  let browser: Browser;
  let site: PageSite;
  siteAndBrowser(startPageSite, (s, b) => {
    site = s;
    browser = b;
  });

  it("pairs with the installer's code, works on its cookie, and unpairs when revoked", {
    timeout: 180_000,
  }, async () => {
    const page = await openKiosk(browser, site, { auth: "none" });
    await page.getByRole("heading", { name: "配对这块屏幕" }).waitFor();
    expect(await page.getByTestId("home-pickup").count()).toBe(0);
    await screenshot(page, "kiosk-zh-pairing");
    await expectNoAxeViolations(page, "kiosk pairing");

    await typeOnKeypad(page, "12345678");
    await page.getByTestId("submit").click();
    await page.getByText("配对码不正确、已用过或已过期。").waitFor();

    const r = await site.call<{ pairingCode: string }>("POST", `/terminals/${TERMINAL}/pairing`, {});
    expect(r.status).toBe(200);
    await typeOnKeypad(page, r.body.pairingCode);
    await page.getByTestId("submit").click();
    await page.getByTestId("home-pickup").waitFor();

    const cookies = await page.context().cookies();
    const kiosk = cookies.find((c) => c.name === "qh_kiosk");
    expect(kiosk?.httpOnly).toBe(true);
    expect(kiosk?.sameSite).toBe("Strict");
    expect(await page.evaluate("document.cookie")).toBe("");
    const html = await page.content();
    expect(html).not.toContain("test-token-0123456789");

    // the kiosk routes answer the cookie: a wrong code is counted and told
    await page.reload();
    await page.getByTestId("home-pickup").click();
    await typeOnKeypad(page, "000000");
    await page.getByTestId("submit").click();
    await page.getByText("取件码不正确。还可以再试 4 次。").waitFor();

    // revoked: the next poll is refused and the screen asks to be paired again
    expect((await site.call("DELETE", `/terminals/${TERMINAL}/credential`)).status).toBe(200);
    await page.getByRole("heading", { name: "配对这块屏幕" }).waitFor();
    await page.close();
  });
});
