/**
 * Rolling-window arithmetic of the alarm logic (alarms.ts): spans of counted time on the zone's
 * observation clock (seconds, sums of monotonic steps), each `[elapsedStart, elapsedEnd, wallStart]`
 * (the wall time labels only).
 */

export type Span = [number, number, number];

/**
 * Adds `dt` seconds ending at `elapsed` to `spans` (extending the last span when it touches).
 * @param wall wall ms labelling a new span
 */
export function addSpan(spans: Span[], dt: number, elapsed: number, wall: number): void {
  if (dt <= 0) return;
  const last = spans[spans.length - 1];
  if (last && last[1] >= elapsed - dt - 1e-9) last[1] = elapsed;
  else spans.push([elapsed - dt, elapsed, wall]);
}

/** Seconds of `spans` at or after `from` (a span straddling it is clipped). */
export function windowTotal(spans: readonly Span[], from: number): number {
  return spans.reduce((n, [a, b]) => n + Math.max(0, b - Math.max(a, from)), 0);
}
