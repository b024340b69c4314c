/**
 * Emergency supply at the kiosk page (issue 11): with the site in emergency mode and a round
 * loaded by the platform, a volunteer signs in, types a bundle's label, sees the door number big,
 * a pack's GS1 label scanned meanwhile is told (recorded with the bundle), the bundle goes in and
 * the door shuts: loaded; a bundle that fits no free door waits in the
 * queue shown on the screen. A resident then collects with the bundle's code at the usual code
 * entry; a code whose slot is later is told when to come. The screens pass axe (WCAG 2.2 AA).
 */
import type { Browser, Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { encodeGs1 } from "../../src/domain/trace/gs1.js";
import {
  expectNoAxeViolations,
  noBrowser,
  type PageSite,
  siteAndBrowser,
  startPageSite,
} from "../helpers/browser.js";
import { COURIER_CODE, hands, openKiosk, typeOnKeypad } from "../helpers/kiosk.js";
import { contrastRatio, sampleScreen } from "../helpers/kiosk-probes.js";
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

/**
 * Every frozen door of the demo's cold bank (F01-F06) out of service (the platform's
 * compartment.disable), so a frozen bundle that fits the site has no free door and queues.
 * (A bundle no compartment of the site could ever hold is refused by distribution.load.)
 */
async function noFreeFrozenDoor(site: PageSite): Promise<void> {
  for (const n of [1, 2, 3, 4, 5, 6])
    await platform(site, "compartment.disable", { device: "cold-a", compartment: `F0${n}`, reason: "test" });
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
        { bundleId: "BND-BIG", household: "h-103", code: "55660003", size: "M", zone: "frozen" },
      ],
    });
    await noFreeFrozenDoor(site);

    const page = await openKiosk(browser, site, { lang: "en" });
    await page.getByTestId("home-volunteer").click();
    await page.getByRole("heading", { name: "Volunteer sign-in" }).waitFor();
    await typeOnKeypad(page, COURIER_CODE);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Scan a bundle label" }).waitFor();
    await expectNoAxeViolations(page, "kiosk volunteer loading");

    // a frozen bundle while every frozen door is out of service: it waits in the queue
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
    // a pack's GS1 label scanned at the terminal's scanner while the door is open: told on the screen
    const pack = encodeGs1(
      [
        { ai: "01", value: "04012345678901" },
        { ai: "10", value: "RICE-1" },
        { ai: "17", value: "301231" },
      ],
      { symbology: "]d2" },
    );
    const scanned = await site.call("POST", "/sim/scanners/scanner-a/scan", { code: pack });
    expect(scanned.status, JSON.stringify(scanned.body)).toBe(200);
    await page.getByTestId("lot-recorded").waitFor();
    expect(await page.getByTestId("lot-recorded").textContent()).toContain(
      "Recorded: product 04012345678901, lot RICE-1, use by 2030-12-31.",
    );
    await expectNoAxeViolations(page, "kiosk volunteer lot recorded");
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

    // residents at the usual code entry, named for supplies too in emergency mode
    await page.getByRole("button", { name: /Collect.*A parcel or supplies/ }).click();
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
    // a bundle, not a parcel: the words say so
    expect(await page.getByTestId("screen-collect").textContent()).toContain(
      "Take your bundle of supplies, then close the door.",
    );
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
    // the door screen follows the bundle's door as it does a parcel's: shut and done
    await waitUntil(
      async () => (await page.locator("#collect-heading").textContent()) === "The door is closed",
      10_000,
      "the door screen saying the door is closed",
    );
    await page.close();
  });

  for (const panel of [
    { lang: "zh", viewport: { width: 1280, height: 800 } },
    { lang: "en", viewport: { width: 1024, height: 768 } },
  ] as const) {
    it(`the volunteer's screens keep the large-print rules at ${panel.viewport.width}×${panel.viewport.height} (${panel.lang})`, async () => {
      await platform(site, "site.mode", { mode: "emergency", reason: "typhoon" });
      await platform(site, "distribution.load", {
        roundId: `round-${panel.lang}`,
        bundles: [
          {
            bundleId: `BND-${panel.lang}-1`,
            household: `h-${panel.lang}-1`,
            code: panel.lang === "zh" ? "66770001" : "66770002",
          },
          {
            bundleId: `BND-${panel.lang}-Q`,
            household: `h-${panel.lang}-2`,
            code: panel.lang === "zh" ? "66770003" : "66770004",
            size: "M",
            zone: "frozen",
          },
        ],
      });
      await noFreeFrozenDoor(site);
      const problems: string[] = [];
      const check = async (name: string, page: Page) => {
        const s = await sampleScreen(page);
        for (const t of s.texts) {
          if (t.fontSizePx < 24) problems.push(`${name}: "${t.text}" is ${t.fontSizePx} px`);
          const ratio = contrastRatio(t.color, t.background);
          if (ratio < 7) problems.push(`${name}: "${t.text}" contrast ${ratio.toFixed(2)}:1`);
        }
        for (const b of s.buttons)
          if (b.width < 64 || b.height < 64)
            problems.push(`${name}: button "${b.text}" is ${b.width}×${b.height}`);
        for (const n of s.noticesColourOnly) problems.push(`${name}: notice by colour alone: "${n}"`);
        const overflow = await page.evaluate("document.documentElement.scrollWidth - window.innerWidth");
        if ((overflow as number) > 0) problems.push(`${name}: ${overflow} px wider than the panel`);
        await expectNoAxeViolations(page, `kiosk ${name} (${panel.lang})`);
      };
      const page = await openKiosk(browser, site, { lang: panel.lang, viewport: panel.viewport });
      await page.getByTestId("home-volunteer").waitFor();
      await page.getByTestId("site-mode").waitFor();
      // the emergency start screen fits the panel: no vertical scroll, the volunteer's button inside
      // (a string: the test's tsconfig has no DOM types)
      const fit = (await page.evaluate(`({
        scroll: document.documentElement.scrollHeight,
        inner: window.innerHeight,
        bottom: document.querySelector('[data-testid="home-volunteer"]')?.getBoundingClientRect().bottom ?? 0,
      })`)) as { scroll: number; inner: number; bottom: number };
      expect(fit.scroll, "the emergency home screen scrolls").toBeLessThanOrEqual(fit.inner);
      expect(fit.bottom).toBeLessThanOrEqual(fit.inner);
      await check("home in emergency", page);
      await page.getByTestId("home-volunteer").click();
      await page.getByTestId("screen-volunteer").waitFor();
      await check("volunteer sign-in", page);
      await typeOnKeypad(page, COURIER_CODE);
      await page.getByTestId("submit").click();
      await page.getByTestId("screen-loading").waitFor();
      await page.getByTestId("label-input").fill(`BND-${panel.lang}-Q`);
      await page.getByTestId("label-submit").click();
      await page.getByTestId("queue").waitFor();
      await check("loading with a queue", page);
      await page.getByTestId("label-input").fill(`BND-${panel.lang}-1`);
      await page.getByTestId("label-submit").click();
      await page.getByTestId("door-number").waitFor();
      const door = (await page.getByTestId("door-number").locator(".door-id").textContent())!;
      await check("loading door open", page);
      await hands(site, "locker-a", door, "put");
      await hands(site, "locker-a", door, "close");
      await page.getByTestId("loaded").waitFor();
      await check("loaded", page);
      await page.getByTestId("finish").click();
      await page.close();
      expect(problems).toEqual([]);
    });
  }
});
