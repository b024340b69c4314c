/**
 * The cold chain at the kiosk, against the simulated cold controller (a real alarm: the chilled
 * zone's door held open and its cooling's power cut in the Modbus simulator, read by the gateway,
 * alarmed by the cold chain after its delay; no gate faked):
 *  - a courier asks for a chilled compartment on the size screen and the parcel goes into one;
 *  - with the chilled zone in alarm, a courier's next chilled parcel is refused (QH_COLD_ZONE_ALARM:
 *    the compartment gate) with the kiosk's message, in Chinese and in English;
 *  - the resident collecting the first parcel is warned of the cold-chain breach on it (peak and
 *    minutes out of range), in Chinese and in English.
 * Every one of these screens passes the kiosk's size, contrast and axe checks.
 */
import type { Browser, Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import en from "../../web/kiosk/messages.en.json" with { type: "json" };
import zh from "../../web/kiosk/messages.zh.json" with { type: "json" };
import { noBrowser, type PageSite, siteAndBrowser, startPageSite } from "../helpers/browser.js";
import { COURIER_CODE, hands, openKiosk, session, typeOnKeypad, watchPlatform } from "../helpers/kiosk.js";
import { expectReadable } from "../helpers/kiosk-readable.js";
import { waitUntil } from "../helpers/upstream.js";

describe.skipIf(noBrowser)("kiosk: the cold chain refuses a deposit and warns at pickup", () => {
  let browser: Browser;
  let site: PageSite;
  siteAndBrowser(startPageSite, (s, b) => {
    site = s;
    browser = b;
  });

  const toggle = async (page: Page, to: "en" | "zh") => {
    await page.getByTestId("lang-switch").click();
    await page.locator(to === "en" ? "html[lang=en]" : "html[lang^=zh]").waitFor();
  };
  async function courierAtSizes(page: Page, barcode: string) {
    await page.getByTestId("home-deposit").click();
    await typeOnKeypad(page, COURIER_CODE);
    await page.getByTestId("submit").click();
    await page.getByTestId("barcode-input").fill(barcode);
    await page.getByTestId("barcode-submit").click();
    await page.getByTestId("screen-size").waitFor();
  }

  it("chilled deposit, alarm, refused deposit, breach warning at pickup", { timeout: 400_000 }, async () => {
    const platform = await watchPlatform(site);
    const page = await openKiosk(browser, site);
    // a chilled parcel goes into a chilled compartment
    await courierAtSizes(page, "PKG-COLD-1");
    expect(await page.getByTestId("zone-ambient").getAttribute("aria-pressed")).toBe("true");
    await page.getByTestId("zone-chilled").click();
    expect(await page.getByTestId("zone-chilled").getAttribute("aria-pressed")).toBe("true");
    expect(await page.getByTestId("zone-chilled").textContent()).toBe("✓ 冷藏");
    // only the sizes the chilled zone has (6 M compartments), not the ambient bank's S, L, XL
    await page.getByTestId("size-S").waitFor({ state: "detached" });
    expect(
      await page.locator('[data-testid^="size-"]').evaluateAll((els) => els.map((e) => e.dataset.testid)),
    ).toEqual(["size-M"]);
    expect(await page.getByTestId("size-M").textContent()).toContain("6");
    await expectReadable(page, "kiosk-zh-size-zone-chosen");
    await page.getByTestId("size-M").click();
    await page.getByTestId("screen-open").waitFor();
    const first = (await session(site))!;
    expect(first.device).toBe("cold-a");
    expect(first.compartment).toMatch(/^C0\d$/);
    await hands(site, first.device!, first.compartment!, "put");
    await hands(site, first.device!, first.compartment!, "close");
    await page.getByTestId("deposited").waitFor();
    await page.getByTestId("finish").click();
    await page.getByTestId("home-pickup").waitFor();

    // a real alarm: the simulated chilled cabinet's door held open and its cooling's power cut
    for (const fault of ["door-open", "power"]) {
      const r = await site.call("POST", "/sim/cold/zones/chilled/fault", { fault, on: true });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
    }
    await waitUntil(
      async () =>
        (await site.call<{ alarms: { kind: string }[] }>("GET", "/cold/zones/chilled")).body.alarms.some(
          (a) => a.kind === "temperature",
        ),
      240_000,
      "the chilled zone's temperature alarm",
    );

    // the next chilled parcel is refused by the cold chain, with what to do
    await courierAtSizes(page, "PKG-COLD-2");
    await page.getByTestId("zone-chilled").click();
    await page.getByTestId("size-M").click();
    const failure = page.getByTestId("failure");
    await failure.waitFor();
    expect(await failure.textContent()).toBe(`出错了 ${zh["err.coldAlarm"]}`);
    // one message, the cold chain's: not also "no compartment free"
    expect(await page.getByText(zh["deposit.noCompartment"]).count()).toBe(0);
    expect((await session(site))?.step).toBe("size");
    await expectReadable(page, "kiosk-zh-cold-alarm-refused");
    await toggle(page, "en");
    expect(await failure.textContent()).toBe(`Problem ${en["err.coldAlarm"]}`);
    await expectReadable(page, "kiosk-en-cold-alarm-refused");
    await toggle(page, "zh");
    await page.getByTestId("finish").click();
    await page.getByTestId("home-pickup").waitFor();

    // the resident collecting the first parcel is warned of the breach
    const code = await platform.pickupCode(first.parcelId!);
    await platform.close();
    await page.getByTestId("home-pickup").click();
    await typeOnKeypad(page, code);
    await page.getByTestId("submit").click();
    await page.getByTestId("screen-collect").waitFor();
    const breach = page.getByTestId("cold-breach");
    await breach.waitFor();
    const zhText = (await breach.textContent()) ?? "";
    expect(zhText).toMatch(
      /^请注意 冷链提醒 存放这个包裹的冷柜曾超出温度范围（最高 -?\d+(\.\d+)?°C，约 \d+(\.\d+)? 分钟）。/,
    );
    await expectReadable(page, "kiosk-zh-collect-cold-breach");
    await toggle(page, "en");
    expect(await breach.textContent()).toMatch(
      /^Please note Cold-chain warning The cold compartment holding this parcel went out of its temperature range \(up to -?\d+(\.\d+)? °C, for about \d+(\.\d+)? minutes\)\./,
    );
    await expectReadable(page, "kiosk-en-collect-cold-breach");
    await hands(site, first.device!, first.compartment!, "take");
    await hands(site, first.device!, first.compartment!, "close");
    await page.getByTestId("collect-done").waitFor();
    for (const fault of ["door-open", "power"])
      await site.call("POST", "/sim/cold/zones/chilled/fault", { fault, on: false });
    await page.close();
  });
});
