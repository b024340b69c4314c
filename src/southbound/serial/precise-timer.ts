/**
 * A sub-millisecond wait for line timing (the Modbus t3.5 silence is 3.65 ms at 9600 baud 8N1).
 * Node's timers are whole milliseconds on libuv's loop clock, which is read once per loop turn:
 * a `setTimeout(4)` may fire up to about 1 ms before 4 ms of `performance.now()` have passed
 * (the loop clock was stale when it was set) and usually fires 0.5-1.5 ms after. So a timer
 * rounded up to whole ms neither guarantees the silence nor keeps to it, and across the 16
 * exchanges of a poll cycle the lateness adds up to several per cent of the wire time.
 *
 * `runAt` sleeps on a timer until about 1.5 ms before the deadline, then yields with setImmediate
 * until performance.now() reaches it: never early, late by one loop turn (tens of µs when idle).
 * The spin lasts at most ~2 ms per wait and yields to I/O on every turn.
 */
import { performance } from "node:perf_hooks";

/** Below this much time left, the wait yields turn by turn instead of sleeping on a timer, ms. */
const SPIN_MS = 1.5;

/**
 * Calls `fn` once `performance.now()` reaches `at` (never synchronously, never before `at`).
 * @param at a performance.now() time, ms
 * @returns a function that cancels the call (idempotent)
 */
export function runAt(at: number, fn: () => void): () => void {
  let timer: NodeJS.Timeout | undefined;
  let immediate: NodeJS.Immediate | undefined;
  let cancelled = false;
  const check = (): void => {
    timer = undefined;
    immediate = undefined;
    if (cancelled) return;
    const left = at - performance.now();
    if (left <= 0) fn();
    else if (left > SPIN_MS + 1) timer = setTimeout(check, Math.floor(left - SPIN_MS));
    else immediate = setImmediate(check);
  };
  const left = at - performance.now();
  if (left > SPIN_MS + 1) timer = setTimeout(check, Math.floor(left - SPIN_MS));
  else immediate = setImmediate(check);
  return () => {
    cancelled = true;
    if (timer) clearTimeout(timer);
    if (immediate) clearImmediate(immediate);
    timer = undefined;
    immediate = undefined;
  };
}

/** Calls `fn` after `ms` of performance.now() (fractions kept), see runAt. */
export function runAfter(ms: number, fn: () => void): () => void {
  return runAt(performance.now() + Math.max(0, ms), fn);
}
