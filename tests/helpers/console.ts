/**
 * The installer console's browser-test steps (on top of tests/helpers/browser.ts): a browser
 * context in the installer's language, logging in through the page's own form (the page gets a
 * cookie session; the token is typed, never injected), and opening a screen from the navigation.
 */
import type { Browser, BrowserContext, Page } from "playwright-core";
import { type PageSite, TOKEN } from "./browser.js";

/** The console's screens as the navigation names them in English (nav.* in messages.en.json). */
export const SCREEN_LINKS = {
  overview: "Site",
  scan: "Bus scan",
  "door-test": "Door test",
  devices: "Devices",
  layout: "Compartments",
  cold: "Cold zones",
  vending: "Vending",
  live: "Live view",
} as const;
export type ConsoleScreen = keyof typeof SCREEN_LINKS;

export interface ConsolePage {
  context: BrowserContext;
  page: Page;
  /** Uncaught page errors (each test expects none). */
  errors: string[];
}

/** A fresh context (its own cookies) in `lang`, on the console's address; not logged in yet. */
export async function openConsole(
  browser: Browser,
  site: PageSite,
  lang: "en" | "zh" = "en",
): Promise<ConsolePage> {
  const context = await browser.newContext({
    locale: lang === "en" ? "en-GB" : "zh-CN",
    viewport: { width: 1280, height: 900 },
    acceptDownloads: true,
  });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(site.url("/"));
  return { context, page, errors };
}

/** Types the token into the login form and submits it; resolves once the navigation shows. */
export async function logIn(page: Page, token = TOKEN): Promise<void> {
  await page.getByLabel(/API token|API 令牌/).fill(token);
  await page.getByRole("button", { name: /^(Log in|登录)$/ }).click();
  await page.getByRole("navigation").waitFor();
}

/** Opens `screen` from the navigation (English labels) and waits for its heading to take focus. */
export async function openScreen(page: Page, screen: ConsoleScreen): Promise<void> {
  await page.getByRole("navigation").getByRole("link", { name: SCREEN_LINKS[screen], exact: true }).click();
  await page.waitForFunction(
    (s) => (globalThis as unknown as { location: { hash: string } }).location.hash === `#/${s}`,
    screen,
  );
  await page.locator("h1#screen-title:focus").waitFor();
}

/**
 * `/api/v1{path}` over HTTP with the installer's bearer token: what the installer's hands, the
 * platform or a device's provisioning do besides the page (startPageSite's own `api` is shadowed
 * by the gateway's fastify instance of the same name, so the tests call over the wire).
 */
export async function apiCall<T = Record<string, unknown>>(
  site: PageSite,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: T }> {
  const r = await fetch(site.url(`/api/v1${path}`), {
    method,
    headers: {
      authorization: `Bearer ${TOKEN}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  return { status: r.status, body: (text ? JSON.parse(text) : undefined) as T };
}
