/**
 * Every screen of the kiosk, visited in order on one page (a courier's deposit, a wrong code, a
 * resident's pickup, the time-limit warning), calling `visit(name)` on each: the axe test, the
 * size-and-contrast test and the screenshots share it.
 */
import type { Browser, Page } from "playwright-core";
import type { PageSite } from "./browser.js";
import { COURIER_CODE, hands, openKiosk, session, typeOnKeypad, watchPlatform } from "./kiosk.js";
import { waitUntil } from "./upstream.js";

export type Visit = (name: string, page: Page) => Promise<void>;

export const SCREENS = [
  "home",
  "pickup",
  "pickup-wrong-code",
  "courier",
  "scan",
  "size",
  "door-open",
  "door-still-open",
  "deposited",
  "collect-open",
  "collect-done",
  "timeout-warning",
] as const;

export async function walkKioskScreens(
  browser: Browser,
  site: PageSite,
  visit: Visit,
  o: { lang?: "zh" | "en"; viewport?: { width: number; height: number }; barcode: string },
): Promise<string[]> {
  const seen: string[] = [];
  const at = async (name: string, page: Page) => {
    seen.push(name);
    await visit(name, page);
  };
  const platform = await watchPlatform(site);
  const page = await openKiosk(browser, site, o);
  await at("home", page);
  await page.getByTestId("home-pickup").click();
  await page.getByTestId("screen-pickup").waitFor();
  await at("pickup", page);
  await typeOnKeypad(page, "000000");
  await page.getByTestId("submit").click();
  await page.getByTestId("failure").waitFor();
  await at("pickup-wrong-code", page);
  await page.getByTestId("back").click();
  await page.getByTestId("home-deposit").click();
  await page.getByTestId("screen-courier").waitFor();
  await at("courier", page);
  await typeOnKeypad(page, COURIER_CODE);
  await page.getByTestId("submit").click();
  await page.getByTestId("screen-scan").waitFor();
  await at("scan", page);
  await page.getByTestId("barcode-input").fill(o.barcode);
  await page.getByTestId("barcode-submit").click();
  await page.getByTestId("screen-size").waitFor();
  await at("size", page);
  await page.getByTestId("size-M").click();
  await page.getByTestId("screen-open").waitFor();
  await at("door-open", page);
  const s = (await session(site))!;
  await page.getByTestId("closed").click();
  await page.getByTestId("still-open").waitFor();
  await at("door-still-open", page);
  await hands(site, s.device!, s.compartment!, "close");
  await page.getByTestId("deposited").waitFor();
  await at("deposited", page);
  await page.getByTestId("finish").click();
  const code = await platform.pickupCode(s.parcelId!);
  await platform.close();
  await page.getByTestId("home-pickup").click();
  await typeOnKeypad(page, code);
  await page.getByTestId("submit").click();
  await page.getByTestId("screen-collect").waitFor();
  await at("collect-open", page);
  await waitUntil(
    async () =>
      (await site.call<{ open: boolean }>("GET", `/sim/lockers/${s.device}/${s.compartment}`)).body.open,
    10_000,
    "the door open",
  );
  await hands(site, s.device!, s.compartment!, "close");
  await page.getByTestId("collect-done").waitFor();
  await at("collect-done", page);
  await page.close();

  // the time-limit warning, on a page whose clock the test runs
  const timed = await openKiosk(browser, site, { ...o, clock: true });
  await timed.getByTestId("home-pickup").click();
  await timed.clock.runFor(65_000);
  await timed.getByTestId("timeout-warning").waitFor();
  await at("timeout-warning", timed);
  await timed.close();
  return seen;
}
