/**
 * A zone's alarm logic, pure: samples in, alarm actions out. Every duration is a sum of monotonic
 * steps between samples (a wall clock that steps, forwards or back, changes no duration); wall
 * times only label. The state is plain JSON the service stores with every reading, so an alarm
 * (and the time counted towards one) outlives a restart: an excursion spanning a reboot is one
 * alarm. The time the gateway was down is unknown and is not counted.
 *
 * Rules (PROTOCOLS.md §4, §9):
 * - temperature, single-event: out of range continuously for `alarmDelaySeconds`; a reading back
 *   in range before that resets the count. A gap (controller unreachable, or no value from the
 *   probe) does not reset: when readings resume out of range after one, the excursion is dated
 *   from the last good reading before the gap and the gap's time counts as out of range (a power
 *   cut that stops the controller and the compressor together is an excursion, not a blank), so a
 *   gap longer than the delay followed by a reading out of range raises at once. The first
 *   reading after a gap is not held to the implausible-jump rule (the zone may well have moved).
 * - temperature, cumulative: out-of-range time within the rolling `cumulativeWindowSeconds`
 *   reaches `cumulativeLimitSeconds` (WHO practice); a reading out of range counts the step since
 *   the reading before it even when that one was in range (readings flipping across the limit add
 *   up). One temperature alarm is open at a time.
 * - a temperature alarm clears only back inside [min + hysteresis, max − hysteresis] (no flapping
 *   at the limit); the cumulative count starts afresh after it clears.
 * - door_open: the door reported open for `doorOpenSeconds`; clears when it closes.
 * - sensor_fault: a sentinel or missing value, or an implausible jump (more than `maxJumpC` from
 *   the last accepted value; three agreeing readings are believed), for `sensorFaultSeconds`.
 *   The very first reading (no baseline yet) is not believed unconditionally: one further than
 *   `maxJumpC` outside the zone's range waits for three agreeing readings too.
 * - unreachable: no answer from the controller for `unreachableSeconds`.
 * - a gap is never time in range: values rejected as implausible date the time to the next
 *   accepted reading from the last one like a gap; after a reading out of range, that time counts
 *   out of range (window, open alarm) even when the next reading is back in range.
 * - a defrost's bypass (defrost.ts): readings above the range up to max + defrostMaxRiseC start
 *   no excursion during its window; none for a zone already out of range, in a run or in alarm;
 *   a run or an open alarm counts every reading above the range as ever.
 * - sensor_fault and unreachable time also add up in the rolling window (rule cumulative: an
 *   intermittent probe or link never lasting the delay in a row), each sample without a value
 *   counting the step since the one before; the count starts afresh after the alarm clears.
 */

import type { ZoneAlarmState } from "./alarm-state.js";
import { bypassActive, bypassed, commandDefrost, readingDefrost } from "./defrost.js";
import { addSpan, type Span, windowTotal } from "./spans.js";

export { emptyAlarmState, type ZoneAlarmState } from "./alarm-state.js";

import type {
  Alarm,
  AlarmAction,
  AlarmKind,
  ReadingNote,
  Sample,
  TemperatureRule,
  ZoneLimits,
} from "./types.js";

const RECENT = 12;

export class ZoneAlarms {
  private lastMono: number | undefined;

  /**
   * @param maxStepS the longest step between two samples counted (longer: a stall or a gap), s
   * @param newId alarm id generator
   */
  constructor(
    readonly zone: string,
    private limits: ZoneLimits,
    readonly state: ZoneAlarmState,
    private readonly maxStepS: number,
    private readonly newId: () => string,
  ) {}

  /** A copy of the state and the monotonic anchor (to put back if the reading is not committed). */
  snapshot(): { state: ZoneAlarmState; lastMono: number | undefined } {
    return { state: structuredClone(this.state), lastMono: this.lastMono };
  }

  /** Puts back a snapshot: the reading fed since was not committed, so it never happened. */
  restore(snap: { state: ZoneAlarmState; lastMono: number | undefined }): void {
    const st = this.state as unknown as Record<string, unknown>;
    for (const k of Object.keys(st)) delete st[k];
    Object.assign(st, structuredClone(snap.state));
    this.lastMono = snap.lastMono;
  }

  setLimits(limits: ZoneLimits): void {
    this.limits = limits;
  }

  /**
   * Whether nothing is being counted: no run out of range, no alarm open, no door / fault /
   * unreachable time, no suspect value. In this state a reading changes only the observation time
   * and the last value, which a restart may lose a few of (the service saves it less often).
   */
  quiet(): boolean {
    const st = this.state;
    return (
      st.run === undefined &&
      Object.keys(st.open).length === 0 &&
      st.doorSeconds === undefined &&
      st.faultSeconds === undefined &&
      st.unreachableSeconds === undefined &&
      st.suspect.length === 0 &&
      !st.gap &&
      !st.hole
    );
  }

  /** What of a quiet state matters to a restart (a change of it is saved at once). */
  saveKey(): string {
    const st = this.state;
    return JSON.stringify([
      st.spans.length,
      st.spans[0]?.[0] ?? null,
      !!st.prevOut,
      Object.keys(st.open),
      st.faultSpans?.length ?? 0,
      st.faultSpans?.[0]?.[0] ?? null,
      st.unreachableSpans?.length ?? 0,
      st.unreachableSpans?.[0]?.[0] ?? null,
      st.defrostUntil ?? null,
      !!st.defrostOn,
      !!st.defrostSpent,
    ]);
  }

  /** Whether a temperature alarm or any other alarm is open (deposits are refused). */
  inAlarm(): boolean {
    return Object.keys(this.state.open).length > 0;
  }

  /** Whether an excursion may be under way (parcels in the zone are being tracked). */
  exposed(): boolean {
    return this.state.run !== undefined || this.state.spans.length > 0 || !!this.state.open.temperature;
  }

  /** Feeds one sample; returns what was raised and cleared, in that order of decision. */
  feed(s: Sample): AlarmAction[] {
    const st = this.state;
    const L = this.limits;
    const dt =
      this.lastMono === undefined ? 0 : Math.min(Math.max(0, (s.mono - this.lastMono) / 1000), this.maxStepS);
    this.lastMono = s.mono;
    st.elapsed += dt;
    const note: ReadingNote = {
      ts: new Date(s.wall).toISOString(),
      temperatureC: s.temperatureC,
      quality: s.quality,
    };
    st.recent.push(note);
    if (st.recent.length > RECENT) st.recent.shift();
    const out: AlarmAction[] = [];

    // controller unreachable
    this.trimGapSpans();
    if (s.quality === "unreachable") {
      st.unreachableSeconds = st.unreachableSeconds === undefined ? 0 : st.unreachableSeconds + dt;
      const total = this.addGapTime("unreachable", dt, s.wall);
      if (!st.open.unreachable) {
        if (st.unreachableSeconds >= L.unreachableSeconds)
          out.push(this.raise("unreachable", s.wall, st.unreachableSeconds));
        else if (L.cumulativeLimitSeconds > 0 && total >= L.cumulativeLimitSeconds)
          out.push(this.raiseGapCumulative("unreachable", s.wall, total));
      }
      st.gap = true;
      st.hole = true;
      return out; // nothing else is known
    }
    st.unreachableSeconds = undefined;
    if (st.open.unreachable) {
      out.push(this.clear("unreachable", s.wall));
      st.unreachableSpans = undefined; // counted afresh after it clears
    }

    // sensor fault: sentinel / no value, or an implausible jump
    let t = s.quality === "ok" ? s.temperatureC : null;
    if (t === null) st.gap = true;
    else if (st.gap)
      st.suspect = []; // the first reading after a gap is believed
    else if (
      st.lastValueC === undefined
        ? t < L.min - L.maxJumpC || t > L.max + L.maxJumpC // no baseline yet: a wild first value waits
        : Math.abs(t - st.lastValueC) > L.maxJumpC
    ) {
      st.suspect.push(t);
      const lo = Math.min(...st.suspect);
      const hi = Math.max(...st.suspect);
      if (st.suspect.length >= 3 && hi - lo <= L.maxJumpC) st.suspect = [];
      else t = null;
    } else st.suspect = [];
    if (t === null) {
      st.hole = true;
      st.faultSeconds = st.faultSeconds === undefined ? 0 : st.faultSeconds + dt;
      const total = this.addGapTime("sensor_fault", dt, s.wall);
      if (!st.open.sensor_fault) {
        if (st.faultSeconds >= L.sensorFaultSeconds)
          out.push(this.raise("sensor_fault", s.wall, st.faultSeconds));
        else if (L.cumulativeLimitSeconds > 0 && total >= L.cumulativeLimitSeconds)
          out.push(this.raiseGapCumulative("sensor_fault", s.wall, total));
      }
    } else {
      st.faultSeconds = undefined;
      if (st.open.sensor_fault) {
        out.push(this.clear("sensor_fault", s.wall));
        st.faultSpans = undefined; // counted afresh after it clears
      }
    }

    // door left open
    if (s.doorOpen === true) {
      st.doorSeconds = st.doorSeconds === undefined ? 0 : st.doorSeconds + dt;
      if (L.doorOpenSeconds > 0 && !st.open.door_open && st.doorSeconds >= L.doorOpenSeconds)
        out.push(this.raise("door_open", s.wall, st.doorSeconds));
    } else if (s.doorOpen === false) {
      st.doorSeconds = undefined;
      if (st.open.door_open) out.push(this.clear("door_open", s.wall));
    }

    const inRange = t === null ? null : t >= L.min && t <= L.max;
    readingDefrost(st, L.defrostAlarmDelaySeconds, s.defrosting, this.defrostEligible(), inRange);

    if (t !== null) {
      st.lastValueC = t;
      this.temperature(t, dt, s.wall, note, out);
    }
    return out;
  }

  /**
   * A defrost was commanded (cold.defrost answered started or already_running): readings above
   * the range, up to max + `defrostMaxRiseC`, start no temperature excursion for
   * `defrostAlarmDelaySeconds` (an expected excursion, which controllers themselves bypass, Carel
   * ir33 d8 / Dixell dAO). Bounded (defrost.ts): nothing when the zone is already out of range, in
   * a run or in alarm; a running window is not extended; one window per defrost.
   * @returns whether readings above the range are now bypassed
   */
  defrostStarted(): boolean {
    return commandDefrost(this.state, this.limits.defrostAlarmDelaySeconds, this.defrostEligible());
  }

  /** Seconds of observation left in which readings above the range are bypassed (0: none). */
  defrostBypassLeft(): number {
    const st = this.state;
    return bypassActive(st) ? Math.max(0, st.defrostUntil! - st.elapsed) : 0;
  }

  /** A defrost beginning now may be bypassed: the last value in range, no run, no temperature alarm. */
  private defrostEligible(): boolean {
    const st = this.state;
    const v = st.lastValueC;
    const L = this.limits;
    return v !== undefined && v >= L.min && v <= L.max && !st.run && !st.open.temperature && !st.prevOut;
  }

  /** Open alarms, oldest first. */
  openAlarms(): Alarm[] {
    return Object.values(this.state.open).sort((a, b) => a.raisedAt - b.raisedAt);
  }

  /** Wall ms of the current excursion's start (its earliest out-of-range reading), if any. */
  excursionStart(): number | undefined {
    const st = this.state;
    const c = [st.open.temperature?.startAt, st.run?.startAt, ...st.spans.map((x) => x[2])].filter(
      (x): x is number => x !== undefined,
    );
    return c.length ? Math.min(...c) : undefined;
  }

  private temperature(t: number, step: number, wall: number, note: ReadingNote, out: AlarmAction[]): void {
    const st = this.state;
    const L = this.limits;
    // during a defrost's bypass a reading above the range (up to the ceiling) starts no
    // excursion; with a run or an alarm already under way it counts as ever (defrost.ts)
    const excursion = st.run !== undefined || st.open.temperature !== undefined;
    const skip = bypassed(st, t, L.max, L.defrostMaxRiseC, excursion);
    const outOfRange = !skip && (t < L.min || t > L.max);
    // after a gap (or faulty, implausible values), the time since the last accepted reading
    // counts (the gap is dated from it): out of range when either side of it is
    const gapFrom = (st.hole || st.gap) && st.last ? st.last : undefined;
    st.gap = false;
    st.hole = false;
    st.last = [st.elapsed, wall];
    const dt = gapFrom ? st.elapsed - gapFrom[0] : st.prevOut ? step : 0;
    const wasOut = !!st.prevOut;
    st.prevOut = outOfRange;
    const alarm = st.open.temperature;
    if (outOfRange) {
      if (!st.run) {
        const [e0, w0] = gapFrom ?? [st.elapsed, wall];
        st.run = { startAt: w0, outSeconds: st.elapsed - e0, peakC: t, readings: [] };
        // cumulative: a reading out of range after one in range counts the step to it (readings
        // flipping across the limit add up instead of counting nothing)
        st.spans.push([gapFrom ? e0 : st.elapsed - step, st.elapsed, w0]);
      } else {
        st.run.outSeconds += dt;
        const last = st.spans[st.spans.length - 1];
        if (last && last[1] >= st.elapsed - dt - 1e-9) last[1] = st.elapsed;
        else st.spans.push([st.elapsed - dt, st.elapsed, wall]);
        if (alarm) alarm.outSeconds += dt;
      }
      if (this.further(t, st.run.peakC)) st.run.peakC = t;
      st.run.readings.push(note);
      if (st.run.readings.length > RECENT) st.run.readings.splice(1, 1); // keep the first
      if (alarm) {
        if (alarm.peakC === undefined || this.further(t, alarm.peakC)) alarm.peakC = t;
      } else if (st.run.outSeconds >= L.alarmDelaySeconds) {
        out.push(this.raiseTemperature("single", st.run.startAt, st.run.outSeconds, st.run.peakC, wall));
      } else if (L.cumulativeLimitSeconds > 0) {
        this.trimSpans();
        const total = this.windowTotal(st.spans);
        if (total >= L.cumulativeLimitSeconds) {
          const since = Math.min(...st.spans.map((x) => x[2]));
          out.push(this.raiseTemperature("cumulative", since, total, st.run.peakC, wall));
        }
      }
    } else {
      if (gapFrom && wasOut && dt > 0) {
        // out of range before the gap, in range after it: when it came back is unknown, so the
        // gap is not time in range; it counts out of range (cumulative window, the alarm's
        // minutes) but starts nothing at a reading in range (the single rule needs one out)
        const last = st.spans[st.spans.length - 1];
        if (last && last[1] >= gapFrom[0] - 1e-9) last[1] = st.elapsed;
        else st.spans.push([gapFrom[0], st.elapsed, gapFrom[1]]);
        if (st.run) st.run.outSeconds += dt;
        if (alarm) alarm.outSeconds += dt;
      }
      if (alarm) {
        const clearBand = t >= L.min + L.hysteresisC && t <= L.max - L.hysteresisC;
        if (clearBand) {
          out.push(this.clear("temperature", wall));
          st.run = undefined;
          st.spans = [];
        }
      } else st.run = undefined;
    }
    this.trimSpans();
  }

  /**
   * Adds `dt` of sensor-fault or unreachable time (the step ending at this sample: since the
   * previous one, no value was had) to its rolling window.
   * @returns that kind's total within the window, s
   */
  private addGapTime(kind: "sensor_fault" | "unreachable", dt: number, wall: number): number {
    const st = this.state;
    const key = kind === "sensor_fault" ? "faultSpans" : "unreachableSpans";
    const spans = st[key] ?? [];
    st[key] = spans;
    addSpan(spans, dt, st.elapsed, wall);
    return this.windowTotal(spans);
  }

  /** Seconds of `spans` inside the rolling window. */
  private windowTotal(spans: readonly Span[]): number {
    return windowTotal(spans, this.state.elapsed - this.limits.cumulativeWindowSeconds);
  }

  private trimGapSpans(): void {
    const st = this.state;
    const from = st.elapsed - this.limits.cumulativeWindowSeconds;
    for (const key of ["faultSpans", "unreachableSpans"] as const) {
      const spans = st[key];
      if (!spans) continue;
      const kept = this.limits.cumulativeLimitSeconds > 0 ? spans.filter((x) => x[1] > from) : [];
      st[key] = kept.length > 0 ? kept : undefined;
    }
  }

  private raiseGapCumulative(kind: "sensor_fault" | "unreachable", wall: number, total: number): AlarmAction {
    const spans = (kind === "sensor_fault" ? this.state.faultSpans : this.state.unreachableSpans) ?? [];
    const action = this.raise(kind, wall, total);
    action.alarm.rule = "cumulative";
    action.alarm.startAt = Math.min(wall, ...spans.map((x) => x[2]));
    action.alarm.outSeconds = total;
    return action;
  }

  private trimSpans(): void {
    const st = this.state;
    const from = st.elapsed - this.limits.cumulativeWindowSeconds;
    if (this.limits.cumulativeLimitSeconds <= 0) {
      // no cumulative rule: keep only the current run's span (the exposure start)
      st.spans = st.run ? st.spans.slice(-1) : [];
      return;
    }
    st.spans = st.spans.filter((x) => x[1] >= from);
  }

  /** Whether `a` is further out of range than `b`. */
  private further(a: number, b: number): boolean {
    const d = (x: number) => (x > this.limits.max ? x - this.limits.max : this.limits.min - x);
    return d(a) > d(b);
  }

  private raiseTemperature(
    rule: TemperatureRule,
    startAt: number,
    outSeconds: number,
    peakC: number,
    wall: number,
  ): AlarmAction {
    const a: Alarm = {
      id: this.newId(),
      zone: this.zone,
      kind: "temperature",
      rule,
      startAt,
      raisedAt: wall,
      peakC,
      outSeconds,
      readings: [...(this.state.run?.readings ?? this.state.recent)],
    };
    this.state.open.temperature = a;
    return { type: "raised", alarm: a };
  }

  private raise(kind: Exclude<AlarmKind, "temperature">, wall: number, seconds: number): AlarmAction {
    const a: Alarm = {
      id: this.newId(),
      zone: this.zone,
      kind,
      startAt: wall - seconds * 1000,
      raisedAt: wall,
      outSeconds: 0,
      readings: [...this.state.recent],
    };
    this.state.open[kind] = a;
    return { type: "raised", alarm: a };
  }

  private clear(kind: AlarmKind, wall: number): AlarmAction {
    const a = this.state.open[kind]!;
    delete this.state.open[kind];
    return { type: "cleared", alarm: a, endAt: wall, readings: [...this.state.recent] };
  }
}
