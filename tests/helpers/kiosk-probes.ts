/**
 * What the kiosk tests measure in the browser, by computed style: every piece of visible text (its
 * font size, its colour and the colour actually behind it), every visible button (its size), every
 * notice (an icon and a word, not a colour alone), any dialog. Run in the page as a plain script
 * (no transpiled helpers); the contrast ratios are computed here, in Node, from the colours.
 */
import type { Page } from "playwright-core";

export interface TextSample {
  text: string;
  fontSizePx: number;
  color: string;
  background: string;
}

export interface ScreenSample {
  texts: TextSample[];
  buttons: { text: string; width: number; height: number }[];
  /** notices without an icon or without their word ("出错了", "Problem"…) */
  noticesColourOnly: string[];
  dialogs: number;
}

const PROBE = `(() => {
  const visible = (el) => {
    const r = el.getBoundingClientRect();
    const s = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && s.visibility !== "hidden" && s.display !== "none";
  };
  const backgroundOf = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const c = getComputedStyle(e).backgroundColor;
      const m = c.match(/rgba?\\(([^)]+)\\)/);
      if (m) {
        const parts = m[1].split(",").map((x) => parseFloat(x));
        if (parts.length < 4 || parts[3] > 0) return c;
      }
    }
    return "rgb(255, 255, 255)";
  };
  const texts = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const t = n.textContent.trim();
    const el = n.parentElement;
    if (!t || !el || !visible(el)) continue;
    const s = getComputedStyle(el);
    texts.push({ text: t.slice(0, 40), fontSizePx: parseFloat(s.fontSize), color: s.color, background: backgroundOf(el) });
  }
  const buttons = [...document.querySelectorAll("button")].filter(visible).map((b) => {
    const r = b.getBoundingClientRect();
    return { text: b.textContent.trim().slice(0, 30), width: r.width, height: r.height };
  });
  const noticesColourOnly = [...document.querySelectorAll(".notice")]
    .filter((n) => !n.querySelector("svg") || !(n.querySelector(".notice-word")?.textContent ?? "").trim())
    .map((n) => n.textContent.slice(0, 40));
  const dialogs = document.querySelectorAll("dialog, [role=dialog], [role=alertdialog]").length;
  return { texts, buttons, noticesColourOnly, dialogs };
})()`;

export function sampleScreen(page: Page): Promise<ScreenSample> {
  return page.evaluate(PROBE) as Promise<ScreenSample>;
}

/** [r, g, b] of a computed colour "rgb(…)" / "rgba(…)" (alpha below 1 is refused: blend first). */
export function parseRgb(css: string): [number, number, number] {
  const m = css.match(/rgba?\(([^)]+)\)/);
  if (!m) throw new Error(`not an rgb() colour: ${css}`);
  const [r, g, b, a] = m[1]!.split(",").map((x) => Number.parseFloat(x));
  if (a !== undefined && a < 1)
    throw new Error(`translucent colour ${css}: contrast undefined without blending`);
  return [r!, g!, b!];
}

/** WCAG 2.x relative luminance of an sRGB colour. */
export function luminance([r, g, b]: [number, number, number]): number {
  const lin = (c: number) => {
    const s = c / 255;
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}

/** WCAG contrast ratio (1 to 21) between two computed colours. */
export function contrastRatio(fg: string, bg: string): number {
  const a = luminance(parseRgb(fg));
  const b = luminance(parseRgb(bg));
  return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
}
