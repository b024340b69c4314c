/**
 * The line-timing wait (precise-timer.ts) keeps fractions of a millisecond and never fires before
 * its deadline on performance.now(): the Modbus t3.5 silence (3.65 ms at 9600 baud) is a floor.
 * A plain setTimeout rounded up to whole ms may fire early on that clock (libuv's loop clock is
 * read once per loop turn), so the property is asserted over many waits; it bounds nothing from
 * above (no timing assertion a loaded machine could break).
 */
import { performance } from "node:perf_hooks";
import { expect, it } from "vitest";
import { runAfter, runAt } from "../../../src/southbound/serial/precise-timer.js";

it("calls back at or after the deadline, for fractional waits from 0 to 6 ms", async () => {
  const early: number[] = [];
  for (let i = 0; i < 120; i++) {
    const ms = (i % 25) * 0.25;
    const at = performance.now() + ms;
    await new Promise<void>((resolve) =>
      runAt(at, () => {
        const now = performance.now();
        if (now < at) early.push(at - now);
        resolve();
      }),
    );
  }
  expect(early).toEqual([]);
});

it("never calls back synchronously, and a cancelled wait never calls back", async () => {
  let called = 0;
  runAfter(0, () => called++);
  expect(called).toBe(0);
  const cancel = runAfter(2.5, () => (called += 10));
  cancel();
  cancel(); // idempotent
  await new Promise((r) => setTimeout(r, 20));
  expect(called).toBe(1);
});
