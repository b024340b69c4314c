/**
 * Every screen of the kiosk's emergency supply mode (issue 11), visited in order on one page with
 * the emergency banner on: the start screen, the volunteer's sign-in, loading (a refused label, a
 * door open, loaded), a resident refused a recalled bundle, the take-back list, its door
 * open and done, the resident's code after the bundle was taken back. `visit(name)` is called on
 * each (the axe test and its screenshots).
 */
import type { Browser, Page } from "playwright-core";
import type { PageSite } from "./browser.js";
import { COURIER_CODE, hands, openKiosk, typeOnKeypad } from "./kiosk.js";
import type { Visit } from "./kiosk-screens.js";
import { waitUntil } from "./upstream.js";

export const EMERGENCY_SCREENS = [
  "emergency-home",
  "volunteer-sign-in",
  "loading",
  "loading-refused",
  "loading-door-open",
  "loaded",
  "bundle-recalled-pickup",
  "takeback-list",
  "takeback-door-open",
  "takeback-done",
  "bundle-retrieved-pickup",
] as const;

const GTIN = "09501101530003";
let n = 0;

async function platform(site: PageSite, name: string, args: Record<string, unknown>): Promise<void> {
  const r = await site.router.handle(name, {
    id: `emergency-walk-${++n}`,
    args,
    expiresAt: new Date(Date.now() + 60_000).toISOString(),
  });
  if ((r as { status?: string }).status !== "ok") throw new Error(`${name}: ${JSON.stringify(r)}`);
}

/**
 * Puts the site in emergency mode, loads a round with one bundle (ids and codes told apart by
 * `tag`; `code` is the resident's 8-digit code), recalls the loaded one's lot and takes it back.
 */
export async function walkEmergencyScreens(
  browser: Browser,
  site: PageSite,
  visit: Visit,
  o: { lang: "zh" | "en"; tag: string; code: string; viewport?: { width: number; height: number } },
): Promise<string[]> {
  const seen: string[] = [];
  const at = async (name: string, page: Page) => {
    seen.push(name);
    await visit(name, page);
  };
  const bundle = `BND-${o.tag}`;
  const lot = `LOT-${o.tag}`;
  await platform(site, "site.mode", { mode: "emergency", reason: "typhoon" });
  await platform(site, "distribution.load", {
    roundId: `walk-${o.tag}`,
    bundles: [
      { bundleId: bundle, household: `h-${o.tag}`, code: o.code, size: "M", lots: [{ gtin: GTIN, lot }] },
    ],
  });
  const page = await openKiosk(browser, site, o);
  await page.getByTestId("site-mode").waitFor();
  await page.getByTestId("home-volunteer").waitFor();
  await at("emergency-home", page);
  await page.getByTestId("home-volunteer").click();
  await page.getByTestId("screen-volunteer").waitFor();
  await at("volunteer-sign-in", page);
  await typeOnKeypad(page, COURIER_CODE);
  await page.getByTestId("submit").click();
  await page.getByTestId("screen-loading").waitFor();
  await at("loading", page);
  await page.getByTestId("label-input").fill("NO-SUCH-BUNDLE");
  await page.getByTestId("label-submit").click();
  await page.getByTestId("failure").waitFor();
  await at("loading-refused", page);
  await page.getByTestId("label-input").fill(bundle);
  await page.getByTestId("label-submit").click();
  await page.getByTestId("door-number").waitFor();
  const door = (await page.getByTestId("door-number").locator(".door-id").textContent())!;
  await at("loading-door-open", page);
  await hands(site, "locker-a", door, "put");
  await hands(site, "locker-a", door, "close");
  await page.getByTestId("loaded").waitFor();
  await at("loaded", page);
  await page.getByTestId("finish").click();

  await platform(site, "trace.recall", { gtin: GTIN, lot, reason: "supplier" });
  await page.getByTestId("home-pickup").click();
  await typeOnKeypad(page, o.code);
  await page.getByTestId("submit").click();
  await page.getByTestId("failure").waitFor();
  await at("bundle-recalled-pickup", page);
  await page.getByTestId("back").click();

  await page.getByTestId("home-volunteer").click();
  await typeOnKeypad(page, COURIER_CODE);
  await page.getByTestId("submit").click();
  await page.getByTestId("to-takeback").click();
  await page.getByTestId(`takeback-${bundle}`).waitFor();
  await at("takeback-list", page);
  await page.getByTestId(`takeback-${bundle}`).click();
  await waitUntil(
    async () => (await site.call<{ open: boolean }>("GET", `/sim/lockers/locker-a/${door}`)).body.open,
    10_000,
    "the take-back door open",
  );
  // the door screen follows the door: "opening…", then open (the terminal's door notice)
  const open =
    o.lang === "zh"
      ? `请取出物资包 ${bundle}，然后关好门。`
      : `Take bundle ${bundle} out, then shut the door.`;
  await page.locator(".take-back .instruction").getByText(open, { exact: true }).waitFor();
  await at("takeback-door-open", page);
  await hands(site, "locker-a", door, "take");
  await hands(site, "locker-a", door, "close");
  await page.getByTestId("takeback-done").waitFor();
  await at("takeback-done", page);
  await page.getByTestId("finish").click();

  await page.getByTestId("home-pickup").click();
  await typeOnKeypad(page, o.code);
  await page.getByTestId("submit").click();
  await page.getByTestId("failure").waitFor();
  await at("bundle-retrieved-pickup", page);
  await page.close();
  return seen;
}
