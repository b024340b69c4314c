/**
 * The distribution rounds' events (sent through the locker's outbox, durable with the change they
 * describe). `device`: the locker bank for loaded and collected, the gateway's id for the round's
 * progress and unclaimed list. Schemas: docs/contract/v1/event.distribution.*.schema.json.
 */
export const DISTRIBUTION_EVENTS = {
  "distribution.loaded":
    "roundId, bundleId, household, device, compartment, size (the compartment's), zone, volunteer, terminal, slot ({from, to} or null)",
  "distribution.collected": "roundId, bundleId, household, device, compartment, terminal, loadedAt",
  "distribution.progress":
    "roundId, loaded (in the lockers now), collected, waiting (queued for a compartment), toLoad, total, closesAt — per round, at most once a minute (monotonic clock)",
  "distribution.retrieved":
    "roundId, bundleId, household, device, compartment, reason (recalled|expired|unclaimed|remote_open), by (a volunteer's id, or platform), terminal — taken back out, the compartment free again",
  "distribution.unclaimed":
    "roundId, reason (command|closes_at|mode_normal), count, part, parts, bundles [{bundleId, household, inLocker, device?, compartment?}] (at most 500 per event), counts",
} as const;

export type DistributionEventType = keyof typeof DISTRIBUTION_EVENTS;
