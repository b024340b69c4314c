/**
 * Emergency supply at the kiosk page (issue 11): with the site in emergency mode and a round
 * loaded by the platform, a volunteer signs in, types a bundle's label, sees the door number big,
 * the bundle goes in and the door shuts: loaded; a bundle that fits no free door waits in the
 * queue shown on the screen. A resident then collects with the bundle's code at the usual code
 * entry; a code whose slot is later is told when to come. The screens pass axe (WCAG 2.2 AA).
 */
import type { Browser } from "playwright-core";
import { describe, expect, it } from "vitest";
import {
  expectNoAxeViolations,
  noBrowser,
  type PageSite,
  siteAndBrowser,
  startPageSite,
} from "../helpers/browser.js";
import { COURIER_CODE, hands, openKiosk, typeOnKeypad } from "../helpers/kiosk.js";
import { waitUntil } from "../helpers/upstream.js";

let n = 0;
async function platform(site: PageSite, name: string, args: Record<string, unknown>) {
  const r = await site.router.handle(name, {
    id: `browser-dist-${++n}`,
    args,
    expiresAt: new Date(Date.now() + 60_000).toISOString(),
  });
  expect(r, JSON.stringify(r)).toMatchObject({ status: "ok" });
  return r;
}

describe.skipIf(noBrowser)("kiosk: a distribution round, volunteer and resident", () => {
  let browser: Browser;
  let site: PageSite;
  siteAndBrowser(startPageSite, (s, b) => {
    site = s;
    browser = b;
  });

  it("a volunteer loads a bundle, another waits in the queue, a resident collects", async () => {
    await platform(site, "site.mode", { mode: "emergency", reason: "typhoon" });
    const now = Date.now();
    const later = {
      from: new Date(now + 3_600_000).toISOString(),
      to: new Date(now + 7_200_000).toISOString(),
    };
    await platform(site, "distribution.load", {
      roundId: "round-1",
      bundles: [
        { bundleId: "BND-0001", household: "h-101", code: "55660001", size: "M" },
        { bundleId: "BND-0002", household: "h-102", code: "55660002", size: "M", slot: later },
        { bundleId: "BND-BIG", household: "h-103", code: "55660003", size: "XL", zone: "frozen" },
      ],
    });

    const page = await openKiosk(browser, site, { lang: "en" });
    await page.getByTestId("home-volunteer").click();
    await page.getByRole("heading", { name: "Volunteer sign-in" }).waitFor();
    await typeOnKeypad(page, COURIER_CODE);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Scan a bundle label" }).waitFor();
    await expectNoAxeViolations(page, "kiosk volunteer loading");

    // an XL frozen bundle: no frozen XL door at this site, it waits in the queue
    await page.getByLabel("Bundle number").fill("BND-BIG");
    await page.getByRole("button", { name: "Open a door" }).click();
    await page.getByTestId("queued").waitFor();
    await page
      .getByTestId("queue")
      .getByText(/BND-BIG/)
      .waitFor();

    await page.getByLabel("Bundle number").fill("BND-0001");
    await page.getByRole("button", { name: "Open a door" }).click();
    await page.getByRole("heading", { name: "Put the bundle behind this door" }).waitFor();
    const door = (await page.getByTestId("door-number").textContent())!.replace(/^Door/, "");
    expect(door).toMatch(/^A\d\d$/);
    await page.getByText("Put bundle BND-0001 in, then close the door.").waitFor();
    await expectNoAxeViolations(page, "kiosk volunteer door open");
    await hands(site, "locker-a", door, "put");
    await hands(site, "locker-a", door, "close");
    await page.getByTestId("loaded").waitFor();
    expect(await page.getByTestId("loaded").textContent()).toContain(
      `Bundle BND-0001 is behind door ${door}.`,
    );

    await page.getByLabel("Bundle number").fill("BND-0002");
    await page.getByRole("button", { name: "Open a door" }).click();
    await page.getByRole("heading", { name: "Put the bundle behind this door" }).waitFor();
    const door2 = (await page.getByTestId("door-number").textContent())!.replace(/^Door/, "");
    await hands(site, "locker-a", door2, "put");
    await hands(site, "locker-a", door2, "close");
    await page.getByTestId("loaded").waitFor();
    await page.getByTestId("finish").click();

    // residents at the usual code entry
    await page.getByRole("button", { name: /Collect a parcel/ }).click();
    await typeOnKeypad(page, "55660002");
    await page.getByRole("button", { name: "Open the door" }).click();
    await page.getByTestId("failure").waitFor();
    expect(await page.getByTestId("failure").textContent()).toMatch(
      /Your bundle is ready from .+ to .+\. Please come back then\./,
    );
    await expectNoAxeViolations(page, "kiosk bundle outside its slot");

    await typeOnKeypad(page, "55660001");
    await page.getByRole("button", { name: "Open the door" }).click();
    await page.getByTestId("screen-collect").waitFor();
    expect(await page.getByTestId("door-number").textContent()).toBe(`Door${door}`);
    await waitUntil(
      async () => (await site.call<{ open: boolean }>("GET", `/sim/lockers/locker-a/${door}`)).body.open,
      10_000,
      "the resident's door open",
    );
    await hands(site, "locker-a", door, "take");
    await hands(site, "locker-a", door, "close");
    const collected = async () =>
      (await site.call<{ counts: { collected: number } }>("GET", "/distribution/rounds/round-1")).body.counts
        .collected;
    await waitUntil(async () => (await collected()) === 1, 10_000, "the bundle collected");
    await page.close();
  });
});
