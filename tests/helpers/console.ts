/**
 * The installer console's browser-test steps (on top of tests/helpers/browser.ts): a browser
 * context in the installer's language, logging in through the page's own form (the page gets a
 * cookie session; the token is typed, never injected), and opening a screen from the navigation.
 */
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { parse, stringify } from "yaml";
import { validateConfig } from "../../src/config/load.js";
import { extensionsFor } from "../../src/extensions/index.js";
import { ensurePagesBuilt, TOKEN } from "./browser.js";
import { startTestGateway, tempDir } from "./gateway.js";

/** A running site serving the pages: its base URL and the gateway (ports, cleanup). */
export interface ConsoleSite {
  base: string;
  url(path: string): string;
  deviceBrokerPort: number;
  cleanup(): Promise<void>;
}

/**
 * The demo site itself (config/default.yaml: locker-a, cold-a, the cold controller, scanner-a,
 * vending-a, meter-1, kiosk-a) on free ports and a temp data dir, started from a config *file*
 * as `quarterhour start` does, so that the console's changes are saved (p12api's writer: without a
 * file, writes are 409 QH_CONFIG_NO_FILE).
 */
export async function startDemoSite(): Promise<ConsoleSite> {
  ensurePagesBuilt();
  const raw = parse(readFileSync(join(import.meta.dirname, "../../config/default.yaml"), "utf8"));
  const dir = tempDir("qh-console-");
  Object.assign(raw, {
    dataDir: join(dir, "data"),
    deviceBroker: { ...raw.deviceBroker, port: 0 },
    uplink: { ...raw.uplink, embeddedPort: 0 },
    api: { ...raw.api, port: 0, token: TOKEN },
    log: { level: "silent" },
  });
  const file = join(dir, "site.yaml");
  writeFileSync(file, stringify(raw));
  const config = validateConfig(raw);
  const gw = await startTestGateway(config, {
    extensions: extensionsFor(config),
    configFile: { path: file },
  });
  const base = `http://127.0.0.1:${gw.apiPort}`;
  return {
    base,
    url: (path) => `${base}${path}`,
    deviceBrokerPort: gw.deviceBrokerPort,
    cleanup: async () => {
      await gw.cleanup();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

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
  terminals: "Kiosk terminals",
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
  site: ConsoleSite,
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
  site: ConsoleSite,
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
