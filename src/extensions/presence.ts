/**
 * Whether each polled serial device answers, from its bus master's own truth (targets answering,
 * dead or backed off: src/southbound/serial/bus-master.ts), for GET /api/v1/site and the console:
 * `true` all its targets answer, `false` its line is down or one of its targets does not answer,
 * `null` not polled yet (the master has no health for any of its targets).
 */

/** Presence of `devices` on one line; `owns(device, target)` says whether a target is the device's. */
export function linePresence(
  connected: boolean,
  targets: readonly { target: string; reachable: boolean }[],
  devices: readonly string[],
  owns: (device: string, target: string) => boolean,
): Record<string, boolean | null> {
  const out: Record<string, boolean | null> = {};
  for (const d of devices) {
    const mine = targets.filter((t) => owns(d, t.target));
    out[d] = !connected
      ? mine.length === 0
        ? null
        : false
      : mine.length === 0
        ? null
        : mine.every((t) => t.reachable);
  }
  return out;
}
