/**
 * The kiosk page's tests: open `/kiosk/kiosk-a` in a language, type on its keypad, play the hands
 * at the simulated locker (put a parcel in, shut a door), read the pickup code the platform gets.
 */
import mqtt from "mqtt";
import type { Browser, Page } from "playwright-core";
import { DEMO_COURIER } from "../../src/extensions/locker.js";
import { KIOSK_VIEWPORT, newPage, type PageSite } from "./browser.js";
import { waitUntil } from "./upstream.js";

export const TERMINAL = "kiosk-a";
export const COURIER_CODE = DEMO_COURIER.code;

/**
 * Pair this page's browser context with the terminal, as the installer would at the screen: a
 * one-time code from `POST /api/v1/terminals/{t}/pairing` (installer), sent to
 * `POST /api/v1/kiosk/{t}/pair`; the context keeps the HttpOnly `qh_kiosk` cookie.
 */
export async function pairScreen(page: Page, site: PageSite): Promise<void> {
  const r = await site.call<{ pairingCode: string }>("POST", `/terminals/${TERMINAL}/pairing`, {});
  if (r.status !== 200) throw new Error(`pairing code: ${JSON.stringify(r.body)}`);
  const res = await page.request.post(site.url(`/api/v1/kiosk/${TERMINAL}/pair`), {
    data: { pairingCode: r.body.pairingCode },
  });
  if (res.status() !== 204) throw new Error(`pair: ${res.status()} ${await res.text()}`);
}

/**
 * The kiosk page in a new browser page, paired with the terminal (its requests carry the kiosk
 * cookie, never the installer's token); `auth: "none"`: an unpaired screen. `lang: "en"` touches
 * the language switch once the home screen shows. `clock`: Playwright's clock installed first.
 */
export async function openKiosk(
  browser: Browser,
  site: PageSite,
  o: {
    lang?: "zh" | "en";
    auth?: "pair" | "none";
    viewport?: { width: number; height: number };
    timezoneId?: string;
    clock?: boolean;
  } = {},
): Promise<Page> {
  const page = await newPage(browser, {
    viewport: o.viewport ?? KIOSK_VIEWPORT,
    locale: "zh-CN",
    ...(o.timezoneId ? { timezoneId: o.timezoneId } : {}),
  });
  if (o.clock) await page.clock.install();
  if ((o.auth ?? "pair") === "pair") await pairScreen(page, site);
  await page.goto(site.url(`/kiosk/${TERMINAL}`));
  if (o.auth !== "none") {
    await page.getByTestId("home-pickup").waitFor();
    if (o.lang === "en") {
      await page.getByTestId("lang-switch").click();
      await page.locator("html[lang=en]").waitFor();
    }
  }
  return page;
}

/** Type digits on the on-screen keypad (touches, not a keyboard). */
export async function typeOnKeypad(page: Page, digits: string): Promise<void> {
  for (const d of digits) await page.getByTestId(`key-${d}`).click();
}

/** What hands do at the simulated locker: put a parcel in, shut the door, jam a lock… */
export async function hands(
  site: PageSite,
  device: string,
  compartment: string,
  action: "close" | "open" | "put" | "take" | "jam" | "unjam",
): Promise<void> {
  const r = await site.call("POST", `/sim/lockers/${device}/${compartment}`, { action });
  if (r.status !== 200) throw new Error(`sim ${action} ${device}/${compartment}: ${JSON.stringify(r.body)}`);
}

/** The terminal's deposit session as the gateway holds it (installer's view). */
export async function session(site: PageSite) {
  const r = await site.call<{ step: string; device?: string; compartment?: string; parcelId?: string }>(
    "GET",
    `/kiosk/${TERMINAL}/deposit`,
  );
  return r.status === 200 ? r.body : undefined;
}

/** The pickup code of a parcel: from its parcel.deposited event in the store (kept until delivered). */
export async function pickupCodeFromStore(site: PageSite, parcelId: string): Promise<string> {
  let code: string | undefined;
  await waitUntil(
    () => {
      const rows = site.db
        .prepare("SELECT data FROM events_view WHERE type = 'parcel.deposited'")
        .pluck()
        .all() as string[];
      for (const r of rows) {
        const d = JSON.parse(r) as { parcelId?: string; pickupCode?: string };
        if (d.parcelId === parcelId && d.pickupCode) code = d.pickupCode;
      }
      return code !== undefined;
    },
    10_000,
    `the pickup code of ${parcelId} in the store`,
  );
  return code!;
}

/** A watcher of the platform stream (embedded broker): the pickup codes the platform is sent. */
export async function watchPlatform(site: PageSite) {
  const client = await mqtt.connectAsync(site.uplinkUrl, { reconnectPeriod: 0 });
  const codes = new Map<string, string>();
  client.on("message", (_t, payload) => {
    let v: unknown;
    try {
      v = JSON.parse(payload.toString());
    } catch {
      return;
    }
    for (const e of Array.isArray(v) ? v : [v]) {
      const ev = e as { type?: string; data?: { parcelId?: string; pickupCode?: string } };
      if (ev?.type === "parcel.deposited" && ev.data?.parcelId && ev.data.pickupCode)
        codes.set(ev.data.parcelId, ev.data.pickupCode);
    }
  });
  await client.subscribeAsync("#", { qos: 1 });
  return {
    async pickupCode(parcelId: string): Promise<string> {
      await waitUntil(() => codes.has(parcelId), 15_000, `parcel.deposited of ${parcelId} at the platform`);
      return codes.get(parcelId)!;
    },
    close: () => client.endAsync(true),
  };
}

/**
 * A deposit through the API (a courier who used the CLI): a parcel stored behind a shut door.
 * Returns where it is; its pickup code comes with pickupCodeFromStore / watchPlatform.
 */
export async function depositByApi(site: PageSite, barcode: string, size = "S") {
  const t = `/kiosk/${TERMINAL}`;
  for (const [path, body] of [
    ["/deposit", { courierCode: COURIER_CODE }],
    ["/deposit/barcode", { barcode }],
    ["/deposit/size", { size }],
  ] as const) {
    const r = await site.call("POST", `${t}${path}`, body);
    if (r.status !== 200) throw new Error(`${path}: ${JSON.stringify(r.body)}`);
  }
  let s = await session(site);
  await waitUntil(
    async () => {
      s = await session(site);
      return s?.step === "open";
    },
    10_000,
    "the door open",
  );
  const { device, compartment, parcelId } = s as { device: string; compartment: string; parcelId: string };
  await hands(site, device, compartment, "put");
  await hands(site, device, compartment, "close");
  await waitUntil(async () => (await session(site))?.step === "scan", 10_000, "the deposit stored");
  await site.call("DELETE", `${t}/deposit`);
  return { device, compartment, parcelId };
}
