/**
 * The persisted alarm state of a cold zone: plain JSON, stored with every reading (alarms.ts
 * explains the rules that read and write it).
 */
import type { Span } from "./spans.js";
import type { Alarm, AlarmKind, ReadingNote } from "./types.js";

/** The persisted part of a zone's alarm state. */
export interface ZoneAlarmState {
  /** seconds of observation of this zone (sum of monotonic steps, across restarts) */
  elapsed: number;
  lastValueC?: number;
  /** consecutive implausible values, waiting to be believed */
  suspect: number[];
  /** the current out-of-range run */
  run?: { startAt: number; outSeconds: number; peakC: number; readings: ReadingNote[] };
  /** cumulative: out-of-range spans [elapsedStart, elapsedEnd, wallStart] within the window */
  spans: Span[];
  /** whether the last accepted value was out of range (time counts only between two such) */
  prevOut?: boolean;
  /** the last accepted reading: [elapsed, wall ms] (a gap after it is dated from it) */
  last?: [number, number];
  /** whether a gap (unreachable, sensor fault) came after the last accepted reading */
  gap?: boolean;
  /**
   * whether any sample since the last accepted reading gave no value taken (a gap, a fault, an
   * implausible value): its time is dated from that reading and is never time in range
   */
  hole?: boolean;
  /** the defrost bypass (defrost.ts) */
  defrostUntil?: number;
  defrostOn?: boolean;
  defrostSpent?: boolean;
  /** cumulative: sensor-fault and unreachable time within the window, [elapsedStart, elapsedEnd, wallStart] */
  faultSpans?: Span[];
  unreachableSpans?: Span[];
  doorSeconds?: number;
  faultSeconds?: number;
  unreachableSeconds?: number;
  open: Partial<Record<AlarmKind, Alarm>>;
  /** the last readings, for the events */
  recent: ReadingNote[];
}

export function emptyAlarmState(): ZoneAlarmState {
  return { elapsed: 0, suspect: [], spans: [], open: {}, recent: [] };
}
