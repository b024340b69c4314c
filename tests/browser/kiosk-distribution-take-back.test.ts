/**
 * Issue 11, taking bundles back at the kiosk page (docs/emergency.md, "Taking a bundle back"): a
 * round is loaded by a volunteer; a lot of one bundle is recalled (trace.recall), another bundle's
 * lot passes its date in the locker; the volunteer sees both in the take-back list (door number,
 * why), taps one, the door opens, the bundle is taken out and the door shut at the simulated
 * locker, and the screen says done; the resident's code then answers QH_DIST_RETRIEVED, shown in
 * plain words in English and Chinese, and the expired bundle's code says the door stays shut.
 * Outside emergency mode (the round closed with bundles still inside), the start screen offers
 * the volunteers' sign-in while something waits to be taken back, and the list says the round
 * closed. axe (WCAG 2.2 AA) finds nothing on the take-back screens.
 */
import type { Browser, Page } from "playwright-core";
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

const GTIN = "09501101530003";
const CODE = { R: "71820001", E: "71820002", U: "71820003" };

let n = 0;
async function platform(site: PageSite, name: string, args: Record<string, unknown>) {
  const r = await site.router.handle(name, {
    id: `browser-tb-${++n}`,
    args,
    expiresAt: new Date(Date.now() + 60_000).toISOString(),
  });
  expect(r, JSON.stringify(r)).toMatchObject({ status: "ok" });
  return r;
}

/** The volunteer loads `bundleId` at the loading screen: its door number, once the bundle is in. */
async function load(site: PageSite, page: Page, bundleId: string): Promise<string> {
  await page.getByTestId("label-input").fill(bundleId);
  await page.getByTestId("label-submit").click();
  await page.getByTestId("door-number").waitFor();
  const door = (await page.getByTestId("door-number").locator(".door-id").textContent())!;
  await hands(site, "locker-a", door, "put");
  await hands(site, "locker-a", door, "close");
  await page
    .getByTestId("loaded")
    .getByText(new RegExp(`${bundleId}\\b`))
    .waitFor();
  return door;
}

/** The resident types `code` at the pickup screen: the refusal's words (a new one each time). */
async function residentTries(page: Page, code: string): Promise<string> {
  const failure = page.getByTestId("failure");
  const before = (await failure.count()) > 0 ? await failure.textContent() : null;
  await typeOnKeypad(page, code);
  await page.getByTestId("submit").click();
  let now: string | null = null;
  await waitUntil(
    async () => {
      now = (await failure.count()) > 0 ? await failure.textContent() : null;
      return now !== null && now !== before;
    },
    10_000,
    `the refusal of code ${code}`,
  ).catch(async (err) => {
    await page.screenshot({ path: `test-artifacts/take-back-${code}.png` });
    throw err;
  });
  return now!;
}

/** Taps the bundle in the take-back list, takes it out at the simulated locker, shuts the door. */
async function takeBack(site: PageSite, page: Page, bundleId: string, door: string, label: string) {
  await page.getByTestId(`takeback-${bundleId}`).click();
  await page.getByTestId("screen-takeback-door").waitFor();
  expect(await page.getByTestId("door-number").locator(".door-id").textContent()).toBe(door);
  await waitUntil(
    async () => (await site.call<{ open: boolean }>("GET", `/sim/lockers/locker-a/${door}`)).body.open,
    10_000,
    `${bundleId}'s door open`,
  );
  // the door screen follows the door: "opening…", then open (the terminal's door notice)
  const open =
    label === "zh"
      ? `请取出物资包 ${bundleId}，然后关好门。`
      : `Take bundle ${bundleId} out, then shut the door.`;
  await page.locator(".instruction").getByText(open, { exact: true }).waitFor();
  await expectNoAxeViolations(page, `kiosk take-back door open (${label})`);
  await hands(site, "locker-a", door, "take");
  await hands(site, "locker-a", door, "close");
  await page.getByTestId("takeback-done").waitFor();
  await expectNoAxeViolations(page, `kiosk take-back done (${label})`);
  return (await page.getByTestId("takeback-done").textContent())!;
}

const retrievedCount = async (site: PageSite) =>
  (await site.call<{ counts: { retrieved: number } }>("GET", "/distribution/rounds/tb-1")).body.counts
    .retrieved;

describe.skipIf(noBrowser)("kiosk: a volunteer takes bundles back", () => {
  let browser: Browser;
  let site: PageSite;
  siteAndBrowser(startPageSite, (s, b) => {
    site = s;
    browser = b;
  });
  const doors: Record<string, string> = {};

  it("in emergency mode: a recalled bundle taken back, the resident told (en, zh)", async () => {
    await platform(site, "site.mode", { mode: "emergency", reason: "typhoon" });
    await platform(site, "distribution.load", {
      roundId: "tb-1",
      bundles: [
        {
          bundleId: "BND-R",
          household: "h-1",
          code: CODE.R,
          size: "M",
          lots: [{ gtin: GTIN, lot: "LOT-R" }],
        },
        {
          bundleId: "BND-E",
          household: "h-2",
          code: CODE.E,
          size: "M",
          lots: [{ gtin: GTIN, lot: "LOT-E", expiry: "2030-12-31" }],
        },
        { bundleId: "BND-U", household: "h-3", code: CODE.U, size: "M" },
      ],
    });
    const page = await openKiosk(browser, site, { lang: "en" });
    await page.getByTestId("home-volunteer").click();
    await typeOnKeypad(page, COURIER_CODE);
    await page.getByTestId("submit").click();
    await page.getByTestId("screen-loading").waitFor();
    for (const b of ["BND-R", "BND-E", "BND-U"]) doors[b] = await load(site, page, b);
    // nothing to take back yet: the loading screen offers no take-back
    expect(await page.getByTestId("to-takeback").count()).toBe(0);

    await platform(site, "trace.recall", { gtin: GTIN, lot: "LOT-R", reason: "supplier" });
    // LOT-E's date passes while BND-E is in the locker: the gateway's wall clock is not the
    // test's to move, so the stored expiry is moved back instead (the gateway reads it each time)
    const aged = site.db
      .prepare("UPDATE trace_loads SET expiry = '2020-01-31' WHERE bundle_id = 'BND-E' AND lot = 'LOT-E'")
      .run();
    expect(aged.changes).toBe(1);

    await page.getByTestId("to-takeback").getByText("Take bundles back (2)").waitFor();
    await page.getByTestId("to-takeback").click();
    await page.getByTestId("screen-takeback").waitFor();
    expect(await page.getByTestId("takeback-BND-R").textContent()).toBe(
      `Bundle BND-R · door ${doors["BND-R"]} · recalled product`,
    );
    expect(await page.getByTestId("takeback-BND-E").textContent()).toBe(
      `Bundle BND-E · door ${doors["BND-E"]} · product past its date`,
    );
    expect(await page.getByTestId("takeback-BND-U").count()).toBe(0); // still its resident's
    await expectNoAxeViolations(page, "kiosk take-back list (en, emergency)");

    const done = await takeBack(site, page, "BND-R", doors["BND-R"]!, "en");
    expect(done).toContain(
      "Bundle BND-R is out of the locker. Keep it apart and give it to the person in charge.",
    );
    await waitUntil(async () => (await retrievedCount(site)) === 1, 10_000, "BND-R retrieved");
    await page.getByTestId("takeback-list").click();
    await page.getByTestId("takeback-BND-E").waitFor();
    await page.getByTestId("takeback-BND-R").waitFor({ state: "detached" });
    await page.getByTestId("finish").click();

    // the start screen again (the take-back door's notices are not a resident's collection)
    await page.getByTestId("home-pickup").click();
    expect(await residentTries(page, CODE.R)).toContain(
      "Your bundle of supplies held a recalled product, so it was taken out of the locker. Please ask the volunteers.",
    );
    await expectNoAxeViolations(page, "kiosk bundle taken back (en)");
    expect(await residentTries(page, CODE.E)).toContain(
      "Your bundle of supplies holds a product past its date, so the door stays shut. A volunteer will take the bundle back: please ask the volunteers.",
    );
    await page.getByTestId("lang-switch").click();
    await page.locator('html[lang="zh-CN"]').waitFor();
    // the refusal shown is re-worded in the new language: start again from an empty screen
    await page.getByTestId("back").click();
    await page.getByTestId("home-pickup").click();
    const zhRetrieved = await residentTries(page, CODE.R);
    expect(zhRetrieved).toContain("您的物资包内有被召回的商品，已从柜中取出。请联系志愿者。");
    expect(zhRetrieved).not.toMatch(/[A-Za-z]/);
    const zhExpired = await residentTries(page, CODE.E);
    expect(zhExpired).toContain("您的物资包内有过期商品，柜门不会打开。志愿者会把物资包取回，请联系志愿者。");
    expect(zhExpired).not.toMatch(/[A-Za-z]/);
    await expectNoAxeViolations(page, "kiosk bundle taken back (zh)");
    await page.close();
  });

  it("outside emergency mode: the start screen lets a volunteer sign in to take back what is left (zh)", async () => {
    expect(doors["BND-U"], "the first test loaded the round").toBeDefined();
    await platform(site, "site.mode", { mode: "normal", reason: "over" });
    const page = await openKiosk(browser, site, { lang: "zh" });
    const choice = page.getByTestId("home-volunteer");
    await choice.waitFor();
    expect(await choice.textContent()).toBe("取回物资包志愿者：有 2 包需要取出");
    expect(await page.getByTestId("site-mode").count()).toBe(0);
    // the start screen still fits the panel with the third choice
    const fit = (await page.evaluate(`({
      scroll: document.documentElement.scrollHeight,
      inner: window.innerHeight,
    })`)) as { scroll: number; inner: number };
    expect(fit.scroll).toBeLessThanOrEqual(fit.inner);
    await expectNoAxeViolations(page, "kiosk home with bundles to take back (zh)");

    await choice.click();
    await page.getByTestId("screen-volunteer").waitFor();
    await typeOnKeypad(page, COURIER_CODE);
    await page.getByTestId("submit").click();
    await page.getByTestId("screen-takeback").waitFor();
    await page.getByTestId("takeback-BND-U").waitFor();
    expect(await page.getByTestId("takeback-BND-U").textContent()).toBe(
      `物资包 BND-U · ${doors["BND-U"]} 号格口 · 本轮已结束，未领取`,
    );
    expect(await page.getByTestId("takeback-BND-E").textContent()).toBe(
      `物资包 BND-E · ${doors["BND-E"]} 号格口 · 含过期商品`,
    );
    // no loading outside emergency mode
    expect(await page.getByTestId("takeback-load").count()).toBe(0);
    await expectNoAxeViolations(page, "kiosk take-back list (zh, normal mode)");

    const done = await takeBack(site, page, "BND-U", doors["BND-U"]!, "zh");
    expect(done).toContain("物资包 BND-U 已取出。请单独放好，交给负责人。");
    await waitUntil(async () => (await retrievedCount(site)) === 2, 10_000, "BND-U retrieved");
    await page.getByTestId("finish").click();

    await page.getByTestId("home-pickup").click();
    const zh = await residentTries(page, CODE.U);
    expect(zh).toContain("本轮发放已结束，您的物资包已从柜中取出。请联系志愿者。");
    expect(zh).not.toMatch(/[A-Za-z]/);
    await page.getByTestId("lang-switch").click();
    await page.locator("html[lang=en]").waitFor();
    // the refusal shown is re-worded in the new language: start again from an empty screen
    await page.getByTestId("back").click();
    await page.getByTestId("home-pickup").click();
    expect(await residentTries(page, CODE.U)).toContain(
      "The hand-out has ended and your bundle of supplies was taken out of the locker. Please ask the volunteers.",
    );
    await page.close();
  });
});
