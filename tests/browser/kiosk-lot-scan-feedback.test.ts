/**
 * A courier's GS1 pack labels, scanned at the kiosk's serial scanner (the simulator sends them with
 * GS separators) while the deposit's door is open, are each told on the door screen, in Chinese and
 * in English (before the fix they were only logged): recorded (GTIN, lot, expiry); an expired lot
 * and a recalled lot (trace.recall over the platform's command path) refused with what to do with
 * the pack; a misread check digit and an impossible date told as what was wrong. Every notice passes
 * the kiosk's size, contrast and axe checks; only the good lot is recorded with the parcel.
 */
import type { Browser, Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { encodeGs1 } from "../../src/domain/trace/gs1.js";
import { noBrowser, type PageSite, siteAndBrowser, startPageSite } from "../helpers/browser.js";
import { COURIER_CODE, hands, openKiosk, session, typeOnKeypad } from "../helpers/kiosk.js";
import { expectReadable } from "../helpers/kiosk-readable.js";
import { waitUntil } from "../helpers/upstream.js";

const GTIN = "04012345678901";
const label = (lot: string, expiry: string, gtin = GTIN) =>
  encodeGs1(
    [
      { ai: "01", value: gtin },
      { ai: "17", value: expiry },
      { ai: "10", value: lot },
    ],
    { symbology: "]d2" },
  );

describe.skipIf(noBrowser)("kiosk: a lot scanned during a deposit is told on the screen", () => {
  let browser: Browser;
  let site: PageSite;
  siteAndBrowser(startPageSite, (s, b) => {
    site = s;
    browser = b;
  });

  const scan = async (code: string) => {
    const r = await site.call("POST", "/sim/scanners/scanner-a/scan", { code });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
  };
  /** Scans, waits for the notice, checks its text in Chinese then English, and its readability. */
  async function told(page: Page, code: string, testid: string, zh: string, en: string, name: string) {
    const before = await page
      .getByTestId(/^lot-/)
      .textContent()
      .catch(() => null);
    await scan(code);
    const notice = page.getByTestId(testid);
    await waitUntil(
      async () => (await notice.count()) === 1 && (await notice.textContent()) !== before,
      15_000,
      `the ${testid} notice`,
    );
    expect(await notice.textContent()).toBe(zh);
    await expectReadable(page, `kiosk-zh-${name}`);
    await page.getByTestId("lang-switch").click();
    await page.locator("html[lang=en]").waitFor();
    expect(await notice.textContent()).toBe(en);
    await expectReadable(page, `kiosk-en-${name}`);
    await page.getByTestId("lang-switch").click();
    await page.locator("html[lang^=zh]").waitFor();
  }

  it("recorded, expired, recalled and unreadable labels, each with its message", {
    timeout: 300_000,
  }, async () => {
    await site.router.handleMessage(
      "trace.recall",
      Buffer.from(
        JSON.stringify({
          id: "recall-lot-9",
          args: { gtin: GTIN, lot: "RECALL-9", reason: "supplier recall" },
          expiresAt: new Date(Date.now() + 60_000).toISOString(),
        }),
      ),
    );
    const page = await openKiosk(browser, site);
    await page.getByTestId("home-deposit").click();
    await typeOnKeypad(page, COURIER_CODE);
    await page.getByTestId("submit").click();
    await page.getByTestId("barcode-input").fill("PKG-LOTS-1");
    await page.getByTestId("barcode-submit").click();
    await page.getByTestId("size-M").click();
    await page.getByTestId("screen-open").waitFor();
    const s = (await session(site))!;

    await told(
      page,
      label("DUMPLING-3", "301231"),
      "lot-recorded",
      `完成 已记录：商品 ${GTIN}，批号 DUMPLING-3，有效期至 2030-12-31。`,
      `Done Recorded: product ${GTIN}, lot DUMPLING-3, use by 2030-12-31.`,
      "lot-recorded",
    );
    await told(
      page,
      label("OLD-1", "200101"),
      "lot-expired",
      `出错了 拒收：批号 OLD-1（商品 ${GTIN}）已于 2020-01-01 过期。请不要放进柜子，把它取出来，退回配送站。`,
      `Problem Refused: lot OLD-1 (product ${GTIN}) expired on 2020-01-01. Do not put it in the locker: take it out and return it to your depot.`,
      "lot-expired",
    );
    await told(
      page,
      label("RECALL-9", "301231"),
      "lot-recalled",
      `出错了 拒收：批号 RECALL-9（商品 ${GTIN}）已被召回。请不要放进柜子，把它取出来单独存放，按召回通知退回。`,
      `Problem Refused: lot RECALL-9 (product ${GTIN}) has been recalled. Do not put it in the locker: take it out, keep it apart and return it as the recall notice says.`,
      "lot-recalled",
    );
    await told(
      page,
      label("X-1", "301231", "04012345678902"),
      "lot-invalid",
      "出错了 条码读错了：商品编号（GTIN）的校验位不对。请把标签放平，重新扫描。",
      "Problem The barcode was misread: the product number's (GTIN) check digit is wrong. Hold the label flat and scan it again.",
      "lot-invalid-check-digit",
    );
    await told(
      page,
      label("X-2", "301340"),
      "lot-invalid",
      "出错了 条码上的日期不是真实日期。请重新扫描；如果还是不行，这是印刷错误，请把这件商品取出并告知发货方。",
      "Problem A date in the barcode is not a real date. Scan it again; if that fails, the label is misprinted: take the item out and tell the sender.",
      "lot-invalid-date",
    );

    // only the good lot went into the parcel's record
    const loaded = site.db
      .prepare("SELECT data FROM events_view WHERE type = 'parcel.lot_loaded'")
      .pluck()
      .all() as string[];
    expect(loaded.map((d) => JSON.parse(d) as { parcelId: string; lot: string })).toEqual([
      expect.objectContaining({ parcelId: s.parcelId, lot: "DUMPLING-3" }),
    ]);
    // the door shut: the deposit is stored and the lot notice goes with the door screen
    await hands(site, s.device!, s.compartment!, "put");
    await hands(site, s.device!, s.compartment!, "close");
    await page.getByTestId("deposited").waitFor();
    expect(await page.getByTestId(/^lot-/).count()).toBe(0);
    await page.close();
  });
});
