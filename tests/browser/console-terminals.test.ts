/**
 * The console's Kiosk terminals screen: the installer pairs kiosk-a from the console (a one-time
 * code with its expiry shown in the page), the kiosk page pairs with that code; then revokes it
 * after an in-page confirmation (no pop-up: a dialog would fail the test), and the kiosk page is
 * told it is unpaired (its pairing screen comes back).
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
import { logIn, openConsole, openScreen } from "../helpers/console.js";
import { openKiosk, TERMINAL, typeOnKeypad } from "../helpers/kiosk.js";

describe.skipIf(noBrowser)("console: kiosk terminals", () => {
  let browser: Browser;
  let site: PageSite;
  siteAndBrowser(startPageSite, (s, b) => {
    site = s;
    browser = b;
  });

  it("pairs a terminal from the console, and revokes it", { timeout: 180_000 }, async () => {
    const { page, context, errors } = await openConsole(browser, site);
    const dialogs: string[] = [];
    page.on("dialog", (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    await logIn(page);
    await openScreen(page, "terminals");
    const row = page.locator("tbody tr", { hasText: TERMINAL });
    await row.getByText("Not paired").waitFor();

    await page.getByRole("button", { name: `Pair ${TERMINAL}`, exact: true }).click();
    const code = (await page.getByTestId("pairing-code").textContent())?.trim() ?? "";
    expect(code).toMatch(/^\d{8}$/);
    await page.getByText("Valid once, until").waitFor();
    expect(await page.locator(".note time").count()).toBeGreaterThan(0);
    await row.getByText("Code waiting to be used").waitFor();
    await expectNoAxeViolations(page, "console terminals with a pairing code");
    await screenshot(page, "console-terminals-code");

    const kiosk = await openKiosk(browser, site, { auth: "none" });
    await kiosk.getByRole("heading", { name: "配对这块屏幕" }).waitFor();
    await typeOnKeypad(kiosk, code);
    await kiosk.getByTestId("submit").click();
    await kiosk.getByTestId("home-pickup").waitFor();

    await openScreen(page, "overview");
    await openScreen(page, "terminals");
    await row.locator(".status-ok", { hasText: "Paired" }).waitFor();

    await page.getByRole("button", { name: `Revoke ${TERMINAL}`, exact: true }).click();
    await page.getByText(`Revoke ${TERMINAL}? Its screen stops working`).waitFor();
    await expectNoAxeViolations(page, "console terminals revoke confirmation");
    await page.getByRole("button", { name: `Yes, revoke ${TERMINAL}` }).click();
    await page.getByText(`${TERMINAL} revoked`).waitFor();
    await row.getByText("Not paired").waitFor();

    await kiosk.getByRole("heading", { name: "配对这块屏幕" }).waitFor({ timeout: 60_000 });
    expect(dialogs).toEqual([]);
    expect(errors).toEqual([]);
    await kiosk.close();
    await context.close();
  });
});
