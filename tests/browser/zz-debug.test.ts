import { it } from "vitest";
import { launchBrowser, screenshot, startPageSite } from "../helpers/browser.js";
import { apiCall, logIn, openConsole, openScreen } from "../helpers/console.js";

it("debug", async () => {
  const site = await startPageSite();
  const browser = await launchBrowser();
  console.log(JSON.stringify((await apiCall(site, "GET", "/buses")).body).slice(0, 300));
  console.log(JSON.stringify((await apiCall(site, "GET", "/site")).body).slice(0, 1500));
  const { page } = await openConsole(browser, site);
  page.on("console", (m) => console.log("console:", m.text()));
  await logIn(page);
  await openScreen(page, "scan");
  await page.waitForTimeout(1500);
  await screenshot(page, "dbg-scan");
  await openScreen(page, "devices");
  await page.waitForTimeout(1500);
  await screenshot(page, "dbg-devices");
  await browser.close();
  await site.cleanup();
}, 120_000);
