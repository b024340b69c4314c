/**
 * Browser tests' helpers: Debian's Chromium (`/usr/bin/chromium`, or `QH_CHROMIUM`) driven headless
 * by playwright-core (no browser download), a demo-like simulated site on free ports serving the
 * built pages, axe-core with the WCAG 2.0/2.1/2.2 A and AA rules, and screenshots to
 * `test-artifacts/` (gitignored). Without Chromium the browser tests are skipped, except under
 * `CI=true` where a missing browser is a failure (`.ci/run` installs the `chromium` package).
 *
 *   const b = await launchBrowser();                 // undefined only when skipped (no CI)
 *   const site = await startPageSite();              // site.url("/kiosk/kiosk-a")
 *   const page = await newPage(b, { viewport: KIOSK_VIEWPORT });
 *   await expectNoAxeViolations(page, "kiosk home");
 *   await screenshot(page, "kiosk-home");
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { AxeBuilder } from "@axe-core/playwright";
import { type Browser, type BrowserContextOptions, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll } from "vitest";
import { extensionsFor } from "../../src/extensions/index.js";
import type { SerialLineHooks } from "../../src/extensions/serial-line.js";
import { startTestGateway, testConfig } from "./gateway.js";
import { freePort } from "./upstream.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const ARTIFACTS = join(root, "test-artifacts");
export const TOKEN = "test-token-0123456789";
/** The kiosk's touch panel: 1280 × 800 (the other size tested is 1024 × 768). */
export const KIOSK_VIEWPORT = { width: 1280, height: 800 } as const;
export const AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"];

/** The Chromium binary, or undefined (skip) when there is none and CI is not set. */
export function chromiumPath(): string | undefined {
  const path = process.env.QH_CHROMIUM ?? "/usr/bin/chromium";
  if (existsSync(path)) return path;
  if (process.env.CI === "true")
    throw new Error(`browser tests: no Chromium at ${path} (CI=true: install the chromium package)`);
  return undefined;
}

/** True when the browser tests must be skipped (no Chromium, not in CI). */
export const noBrowser = chromiumPath() === undefined;

/** Headless Chromium. The sandbox is off only when running as root (Chromium refuses otherwise). */
export async function launchBrowser(): Promise<Browser> {
  const executablePath = chromiumPath();
  if (!executablePath) throw new Error("no Chromium (check noBrowser before launching)");
  const root = process.getuid?.() === 0;
  return chromium.launch({
    executablePath,
    headless: true,
    args: [...(root ? ["--no-sandbox"] : []), "--lang=zh-CN", "--font-render-hinting=none"],
  });
}

/**
 * A describe block's site and browser: `start()` and the browser in `beforeAll`, both closed in
 * `afterAll` (browser first). `use` hands them to the block's own variables.
 */
export function siteAndBrowser<S extends { cleanup(): Promise<void> }>(
  start: () => Promise<S>,
  use: (site: S, browser: Browser) => void,
): void {
  let site: S | undefined;
  let browser: Browser | undefined;
  beforeAll(async () => {
    site = await start();
    browser = await launchBrowser();
    use(site, browser);
  });
  afterAll(async () => {
    await browser?.close();
    await site?.cleanup();
  });
}

/**
 * The little of the DOM that functions passed to `page.evaluate` use (the tests' tsconfig has no
 * DOM lib): `declare const document: BrowserDocument;` in a test module types them.
 */
export interface BrowserDocument {
  documentElement: { lang: string };
  addEventListener(type: string, listener: () => void): void;
  querySelectorAll(selector: string): ArrayLike<unknown>;
}

/**
 * A page in its own browser context (axe needs one: `browser.newPage()` pages are refused by
 * @axe-core/playwright); closing the page closes its context.
 */
export async function newPage(browser: Browser, options: BrowserContextOptions = {}): Promise<Page> {
  const context = await browser.newContext(options);
  const page = await context.newPage();
  page.once("close", () => void context.close().catch(() => {}));
  return page;
}

let built = false;
/** Build the pages if stale (`npm test` did already; `npx vitest run tests/browser/…` may not have). */
export function ensurePagesBuilt(): void {
  if (built) return;
  const r = spawnSync(process.execPath, [join(root, "scripts", "build-if-stale.mjs"), "--web"], {
    stdio: "inherit",
  });
  if (r.status !== 0) throw new Error("building the pages failed (scripts/build-web.mjs)");
  built = true;
}

export interface PageSiteOptions {
  /** The platform broker unreachable from the start (nothing listens on the uplink port). */
  uplinkDown?: boolean;
  /** `locker:` settings besides the terminals (e.g. maxWrongCodes, lockoutMinutes). */
  locker?: Record<string, unknown>;
  /** the simulated lines' hooks (a test that kills a simulated board takes its simulator here) */
  hooks?: SerialLineHooks;
  /** `trace.timeZone`: the site's zone, in which the kiosk writes times (default: the gateway's). */
  timeZone?: string;
}

export type PageSite = Awaited<ReturnType<typeof startPageSite>>;

/**
 * The demo site as `config/default.yaml` has it (demo-bank-24 locker-a and cold-locker-bank-12
 * cold-a on sim://bus-a, the cold controller on sim://bus-cold, scanner-a on sim://scan-a, terminal
 * kiosk-a serving both banks with that scanner, chilled and frozen zones), on free ports, serving
 * the built pages. `call(method, path, body)` calls /api/v1 with the installer's bearer token.
 */
export async function startPageSite(o: PageSiteOptions = {}) {
  ensurePagesBuilt();
  const uplink = o.uplinkDown ? `mqtt://127.0.0.1:${await freePort()}` : "embedded";
  const config = testConfig(uplink, {
    uplink: o.uplinkDown ? { url: uplink } : { url: "embedded", embeddedPort: 0 },
    simulate: true,
    buses: [
      {
        id: "bus-a",
        path: "sim://bus-a",
        protocol: "lockboard-xor",
        pollIntervalMs: 50,
        devices: [
          { id: "locker-a", model: "demo-bank-24", address: 1 },
          { id: "cold-a", model: "cold-locker-bank-12", address: 3 },
        ],
      },
      {
        id: "bus-cold",
        path: "sim://bus-cold",
        protocol: "modbus-rtu",
        devices: [{ id: "cold-ctrl", model: "generic-cold-controller", address: 1 }],
      },
      {
        id: "scan-a",
        path: "sim://scan-a",
        protocol: "scanner-line",
        devices: [{ id: "scanner-a", model: "generic-serial-scanner" }],
      },
    ],
    locker: {
      terminals: [{ id: "kiosk-a", banks: ["locker-a", "cold-a"], scanner: "scanner-a" }],
      ...o.locker,
    },
    ...(o.timeZone ? { trace: { timeZone: o.timeZone } } : {}),
    cold: {
      zones: ["chilled", "frozen"].map((kind, channel) => ({
        id: kind,
        kind,
        controller: "cold-ctrl",
        channel,
        compartments: [1, 2, 3, 4, 5, 6].map((n) => `cold-a/${kind === "chilled" ? "C" : "F"}0${n}`),
        pollSeconds: 1,
        alarmDelaySeconds: 2,
      })),
    },
  });
  const gw = await startTestGateway(config, { extensions: extensionsFor(config, undefined, o.hooks) });
  const base = `http://127.0.0.1:${gw.apiPort}`;
  return Object.assign(gw, {
    base,
    url: (path: string) => `${base}${path}`,
    /** /api/v1 with the installer's token: what hands, the platform or the installer would do. */
    async call<T = Record<string, unknown>>(method: string, path: string, body?: unknown) {
      const r = await gw.api.inject({
        method: method as "GET",
        url: `/api/v1${path}`,
        headers: { authorization: `Bearer ${TOKEN}` },
        ...(body === undefined ? {} : { payload: body as Record<string, unknown> }),
      });
      return { status: r.statusCode, body: (r.body ? r.json() : undefined) as T };
    },
  });
}

/** Let this page's kiosk/console requests carry the installer's bearer token (until pairing lands). */
export async function authorizeWithToken(page: Page, base: string): Promise<void> {
  await page.route(`${base}/api/v1/**`, (route) =>
    route.continue({ headers: { ...route.request().headers(), authorization: `Bearer ${TOKEN}` } }),
  );
}

/** axe-core on the page as it is now: zero violations of WCAG 2.x A/AA, or a readable failure. */
export async function expectNoAxeViolations(page: Page, label: string): Promise<void> {
  const r = await new AxeBuilder({ page }).withTags(AXE_TAGS).analyze();
  if (r.violations.length === 0) return;
  const lines = r.violations.map(
    (v) =>
      `- ${v.id} (${v.impact}): ${v.help}\n${v.nodes
        .slice(0, 5)
        .map((n) => `    ${n.target.join(" ")}: ${n.failureSummary?.replace(/\n/g, " ")}`)
        .join("\n")}`,
  );
  throw new Error(`axe: ${r.violations.length} violation(s) on ${label}:\n${lines.join("\n")}`);
}

/** A full-page PNG in test-artifacts/<name>.png (and `also`, e.g. docs/screenshots/kiosk.png). */
export async function screenshot(page: Page, name: string, also?: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  if (also) {
    mkdirSync(dirname(join(root, also)), { recursive: true });
    await page.screenshot({ path: join(root, also), fullPage: true });
  }
  return path;
}
