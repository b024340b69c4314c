/**
 * Logging in to the console: a wrong token is refused with its code and the form stays; the right
 * one opens the console on an HttpOnly session cookie. The token is kept nowhere the page can
 * read: not in the DOM, the URL, localStorage, sessionStorage or document.cookie. A reload keeps
 * the session; logging out ends it (the API answers 401 to the old cookie).
 */
import type { Browser } from "playwright-core";
import { describe, expect, it } from "vitest";
import { noBrowser, type PageSite, siteAndBrowser, startPageSite, TOKEN } from "../helpers/browser.js";
import { logIn, openConsole } from "../helpers/console.js";

declare const document: { cookie: string; documentElement: { outerHTML: string } };
declare const localStorage: {
  length: number;
  key(i: number): string | null;
  getItem(k: string): string | null;
};
declare const sessionStorage: typeof localStorage;
declare const location: { href: string };

describe.skipIf(noBrowser)("console: login", () => {
  let browser: Browser;
  let site: PageSite;
  siteAndBrowser(startPageSite, (s, b) => {
    site = s;
    browser = b;
  });

  it("refuses a wrong token, logs in with the right one, keeps the token nowhere, logs out", async () => {
    const { page, context, errors } = await openConsole(browser, site);
    await page.getByLabel("API token").fill("not-the-token");
    await page.getByRole("button", { name: "Log in", exact: true }).click();
    const alert = page.getByRole("alert");
    await alert.waitFor();
    expect(await alert.textContent()).toMatch(/QH_API_UNAUTHORIZED|QH_\w+/);
    expect(await page.getByRole("navigation").count()).toBe(0);
    expect(await page.getByLabel("API token").inputValue()).toBe("");

    await logIn(page);
    await page.getByRole("heading", { level: 1, name: "Site overview" }).waitFor();
    const cookies = await context.cookies();
    const session = cookies.find((c) => c.name === "qh_console");
    expect(session?.httpOnly).toBe(true);
    expect(session?.sameSite).toBe("Strict");
    expect(session?.value).not.toContain(TOKEN);

    const seen = await page.evaluate(() => {
      const dump = (s: typeof localStorage) =>
        Array.from({ length: s.length }, (_, i) => `${s.key(i)}=${s.getItem(s.key(i) ?? "")}`).join(";");
      return [
        document.documentElement.outerHTML,
        location.href,
        dump(localStorage),
        dump(sessionStorage),
        document.cookie,
      ].join("\n");
    });
    expect(seen).not.toContain(TOKEN);

    await page.reload();
    await page.getByRole("heading", { level: 1, name: "Site overview" }).waitFor();

    await page.getByRole("button", { name: "Log out" }).click();
    await page.getByRole("heading", { level: 1, name: "Log in" }).waitFor();
    const after = await context.request.get(site.url("/api/v1/session"));
    expect(after.status()).toBe(401);
    expect(errors).toEqual([]);
    await context.close();
  });
});
