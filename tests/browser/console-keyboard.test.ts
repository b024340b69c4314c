/**
 * The console is usable with the keyboard alone: from the page's load, Tab reaches the token field
 * (after the skip link and the language switch), Enter logs in, the screen's heading takes the
 * focus, Shift+Tab reaches the navigation and Enter opens a screen whose form comes next; every focused control shows a
 * visible focus outline.
 */
import type { Browser, Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { noBrowser, type PageSite, siteAndBrowser, startPageSite, TOKEN } from "../helpers/browser.js";
import { openConsole } from "../helpers/console.js";

interface El {
  id: string;
  tagName: string;
  textContent: string | null;
}
declare const document: { activeElement: El | null };
declare function getComputedStyle(e: El): { outlineStyle: string; outlineWidth: string };

/** What has the focus: its id or tag, its text, and whether a focus outline is drawn. */
const focused = (page: Page) =>
  page.evaluate(() => {
    const e = document.activeElement;
    if (!e) return { what: "", text: "", outline: false };
    const s = getComputedStyle(e);
    return {
      what: e.id || e.tagName.toLowerCase(),
      text: (e.textContent ?? "").trim(),
      outline: s.outlineStyle !== "none" && Number.parseFloat(s.outlineWidth) >= 2,
    };
  });

/** Presses `key` (Tab or Shift+Tab) until `want` holds for the focused element (at most `max` presses). */
async function tabTo(
  page: Page,
  want: (f: Awaited<ReturnType<typeof focused>>) => boolean,
  max = 20,
  key = "Tab",
) {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press(key);
    const f = await focused(page);
    expect(f.outline, `focus outline on ${f.what} "${f.text}"`).toBe(true);
    if (want(f)) return f;
  }
  throw new Error("not reached with Tab");
}

describe.skipIf(noBrowser)("console: keyboard only", () => {
  let browser: Browser;
  let site: PageSite;
  siteAndBrowser(startPageSite, (s, b) => {
    site = s;
    browser = b;
  });

  it("logs in and opens a screen with Tab and Enter", async () => {
    const { page, context, errors } = await openConsole(browser, site);
    await page.locator("#token").waitFor();
    const first = await tabTo(page, () => true);
    expect(first.text).toBe("Skip to the content");
    await tabTo(page, (f) => f.what === "token", 3);
    await page.keyboard.type(TOKEN);
    await page.keyboard.press("Enter");
    await page.getByRole("navigation").waitFor();
    await expect.poll(async () => (await focused(page)).what).toBe("screen-title");

    // the navigation is before the content: back up to it
    await tabTo(page, (f) => f.text === "Door test", 20, "Shift+Tab");
    await page.keyboard.press("Enter");
    await expect.poll(async () => (await focused(page)).what).toBe("screen-title");
    expect((await focused(page)).text).toBe("Door test");
    // the form is next in the focus order: the bank, the doors, the start button
    const next = await tabTo(page, () => true, 1);
    expect(next.what).toBe("f-door-bank"); // the locker bank select
    expect(errors).toEqual([]);
    await context.close();
  });
});
