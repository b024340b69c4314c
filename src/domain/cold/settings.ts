/**
 * Zone limits by kind (PROTOCOLS.md §4, §9): chilled lockers run 4 °C ± 2 °C (InPost's cooled
 * lockers); frozen food is held at −18 °C or colder, brief rises of up to 3 °C tolerated (EU
 * Directive 89/108/EEC), so a frozen zone alarms above −15 °C; a custom zone gives its own range.
 */
import type { ZoneKind, ZoneLimits } from "./types.js";

export const ZONE_RANGES: Readonly<Record<Exclude<ZoneKind, "custom">, { min: number; max: number }>> = {
  chilled: { min: 2, max: 6 },
  frozen: { min: -40, max: -15 },
};

/** Delays and thresholds when the config does not say. */
export const DEFAULT_LIMITS: Omit<ZoneLimits, "min" | "max"> = {
  hysteresisC: 0.5,
  alarmDelaySeconds: 900,
  cumulativeLimitSeconds: 3600,
  cumulativeWindowSeconds: 86_400,
  doorOpenSeconds: 120,
  sensorFaultSeconds: 60,
  unreachableSeconds: 90,
  maxJumpC: 10,
  // controllers bypass alarms for 1 h after a defrost (Carel ir33 d8); a locker compartment
  // recovers in minutes, so half of that
  defrostAlarmDelaySeconds: 1800,
  // a defrost warms the air "a few degrees": above max + this it is no defrost's
  defrostMaxRiseC: 4,
};

export const DEFAULT_POLL_SECONDS = 30;

/** The zone's limits: its kind's range (or its own), with the defaults filled in. */
export function zoneLimits(
  kind: ZoneKind,
  given: Partial<ZoneLimits> & { min?: number; max?: number },
): ZoneLimits {
  const range = kind === "custom" ? undefined : ZONE_RANGES[kind];
  return {
    ...DEFAULT_LIMITS,
    ...Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined)),
    min: given.min ?? range?.min ?? Number.NEGATIVE_INFINITY,
    max: given.max ?? range?.max ?? Number.POSITIVE_INFINITY,
  } as ZoneLimits;
}
