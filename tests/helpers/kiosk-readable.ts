/**
 * The kiosk's readability rules on the screen a page shows now, for screens outside the walk of
 * tests/helpers/kiosk-screens.ts (the lot-scan notices, the unknown terminal, the cold-chain
 * refusals): the same computed-style checks as kiosk-sizes-and-contrast.test.ts (every visible text
 * ≥ 24 px and ≥ 7:1 against what is behind it, every button ≥ 64 × 64 px, every notice with an icon
 * and a word, no dialog, nothing wider than the panel), then axe-core (WCAG 2.x A/AA), then a
 * screenshot in test-artifacts/.
 */
import type { Page } from "playwright-core";
import { expect } from "vitest";
import { expectNoAxeViolations, screenshot } from "./browser.js";
import { contrastRatio, sampleScreen } from "./kiosk-probes.js";

/** The problems found on the page as it is now (empty: readable). */
export async function readabilityProblems(page: Page, name: string): Promise<string[]> {
  const problems: string[] = [];
  const s = await sampleScreen(page);
  if (s.texts.length === 0) problems.push(`${name}: no visible text`);
  for (const t of s.texts) {
    if (t.fontSizePx < 24) problems.push(`${name}: "${t.text}" is ${t.fontSizePx} px`);
    const ratio = contrastRatio(t.color, t.background);
    if (ratio < 7) problems.push(`${name}: "${t.text}" contrast ${ratio.toFixed(2)}:1`);
  }
  for (const b of s.buttons)
    if (b.width < 64 || b.height < 64) problems.push(`${name}: button "${b.text}" is ${b.width}×${b.height}`);
  for (const n of s.noticesColourOnly) problems.push(`${name}: notice by colour alone: "${n}"`);
  if (s.dialogs > 0) problems.push(`${name}: ${s.dialogs} dialog(s)`);
  const overflow = (await page.evaluate(
    "document.documentElement.scrollWidth - window.innerWidth",
  )) as number;
  if (overflow > 0) problems.push(`${name}: ${overflow} px wider than the panel`);
  return problems;
}

/** Sizes, contrast, notices, axe and a screenshot (`test-artifacts/<name>.png`) of the screen now. */
export async function expectReadable(page: Page, name: string): Promise<void> {
  expect(await readabilityProblems(page, name)).toEqual([]);
  await expectNoAxeViolations(page, name);
  await screenshot(page, name);
}
