/**
 * The cold chain's shapes: zones and their limits, samples, alarms. Temperatures in °C, durations
 * in seconds, wall times epoch ms, monotonic times ms (performance.now()).
 */
import type { CompartmentRef } from "../locker/ports.js";

export type ZoneKind = "chilled" | "frozen" | "custom";

/** A reading's quality: ok, the probe reports a fault, or the controller did not answer (a gap). */
export type ReadingQuality = "ok" | "sensor_fault" | "unreachable";

/** Alarm kinds. `temperature` is an excursion (rule single-event or cumulative). */
export type AlarmKind = "temperature" | "door_open" | "sensor_fault" | "unreachable";
export type TemperatureRule = "single" | "cumulative";

/** A zone's limits and delays (config `cold.zones[]`, defaults by kind in settings.ts). */
export interface ZoneLimits {
  /** the allowed range, °C (inclusive) */
  min: number;
  max: number;
  /** an alarm clears only back inside [min + hysteresis, max − hysteresis] */
  hysteresisC: number;
  /** single-event: out of range continuously this long raises an alarm */
  alarmDelaySeconds: number;
  /** cumulative: this much time out of range within the rolling window raises one (0: off) */
  cumulativeLimitSeconds: number;
  cumulativeWindowSeconds: number;
  /** a door open this long raises door_open (0: off) */
  doorOpenSeconds: number;
  /** a probe in fault this long raises sensor_fault */
  sensorFaultSeconds: number;
  /** the controller silent this long raises unreachable */
  unreachableSeconds: number;
  /** a change larger than this between two readings is implausible (a probe fault), °C */
  maxJumpC: number;
  /**
   * readings above the range (up to max + defrostMaxRiseC) start no temperature excursion during
   * a defrost (the controller reports it, or one was commanded: one window per defrost, never
   * extended by a command) and for this long after it, s (0: not at all). Bounds: defrost.ts.
   * Field practice: Carel ir33 d8 "alarm bypass after defrost" (default 1 h), Dixell dAO.
   */
  defrostAlarmDelaySeconds: number;
  /**
   * the defrost bypass's ceiling: a reading above max + this counts as out of range even during a
   * defrost (and ends its bypass), °C. Field basis: a defrost warms the air "a few degrees".
   */
  defrostMaxRiseC: number;
}

export interface ZoneConfig {
  id: string;
  kind: ZoneKind;
  /** the controller (device id) and its channel measuring this zone */
  controller: { device: string; channel: number };
  compartments: readonly CompartmentRef[];
  limits: ZoneLimits;
  /** poll interval, s (whole seconds: the record's time resolution) */
  pollSeconds: number;
  /** the set-point asked of the controller at start, °C (optional) */
  setpointC?: number;
}

/** One observation of a zone, as the alarm logic sees it. */
export interface Sample {
  /** monotonic ms: every duration is measured on it */
  mono: number;
  /** wall ms (labels only) */
  wall: number;
  temperatureC: number | null;
  quality: ReadingQuality;
  doorOpen?: boolean;
  /** the controller reports a defrost under way */
  defrosting?: boolean;
}

/** A reading as kept in alarm events (compact). */
export interface ReadingNote {
  ts: string;
  temperatureC: number | null;
  quality: ReadingQuality;
}

/** An alarm, open or just cleared. Persisted with the zone's state (it outlives a restart). */
export interface Alarm {
  id: string;
  zone: string;
  kind: AlarmKind;
  rule?: TemperatureRule;
  /** wall ms: when the condition began (the excursion's first reading out of range) */
  startAt: number;
  /** wall ms: when the alarm was raised */
  raisedAt: number;
  /** the reading furthest out of range (temperature alarms), °C */
  peakC?: number;
  /** time out of range, s (temperature alarms, monotonic) */
  outSeconds: number;
  readings: ReadingNote[];
}

export type AlarmAction =
  | { type: "raised"; alarm: Alarm }
  | { type: "cleared"; alarm: Alarm; endAt: number; readings: ReadingNote[] };
