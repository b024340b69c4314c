/**
 * The cold chain domain service: zones polled on their controllers, the temperature record, the
 * alarms, and the parcels an excursion touched. It knows no transport (ColdControllerPort).
 *
 *   timer (per zone, monotonic) ─► port.read(channel) ─► ingest(zone, reading)
 *        ─► one SQLite transaction: record.append · alarms.feed · exposure (parcels inside) ·
 *           alarm state · events (cold_outbox) ─► EventSink (cold.alarm.raised / .cleared,
 *           parcel.cold_chain_breach) · state document (on an alarm change, else at most at the
 *           telemetry rate) · telemetry (lossy, at its own rate)
 *   locker ──► gate (gate.ts): a deposit into a zone in alarm is refused; a pickup answer carries
 *              the parcel's breaches
 *   platform ─► commands (commands.ts): cold.setpoint, cold.defrost
 */
import type Database from "better-sqlite3";
import type { Clock } from "../../core/clock.js";
import type { EventSink, JsonObject, Metrics } from "../../core/envelope.js";
import { QhError } from "../../core/errors.js";
import { newId as uuid } from "../../core/ids.js";
import type { Logger } from "../../core/logger.js";
import { Announcer } from "../locker/outbox.js";
import { emptyAlarmState, type ZoneAlarmState, ZoneAlarms } from "./alarms.js";
import { Exposure, iso } from "./exposure.js";
import type { ParcelLocator } from "./parcels.js";
import type { ColdControllerPort, ControllerReading } from "./ports.js";
import { TemperatureRecord } from "./record.js";
import type { Alarm, AlarmAction, ZoneConfig } from "./types.js";

/** A quiet zone's alarm state is saved every this many readings (else on every change that matters). */
const SAVE_QUIET_EVERY = 20;

/** Readings kept in memory while the store refuses them (an hour at 30 s per zone). */
const MAX_PENDING = 120;

export interface ColdServiceOptions {
  db: Database.Database;
  events: EventSink;
  /** the retained state document per controller device */
  state?: (device: string, doc: JsonObject) => void;
  /** lossy telemetry per controller device */
  telemetry?: (device: string, metrics: Metrics) => void;
  clock: Clock;
  log: Logger;
  zones: readonly ZoneConfig[];
  /** controller device id → its port */
  controllers: ReadonlyMap<string, ColdControllerPort>;
  parcels?: ParcelLocator;
  /** readings kept at least this many days (≥ 366) */
  retentionDays?: number;
  /** zone telemetry period, s (0: none) */
  telemetrySeconds?: number;
  blockReadings?: number;
  /** delay of the first poll after start, ms (default 1000: the first reading within 5 s) */
  firstPollMs?: number;
}

/** One zone at run time. */
interface ZoneRun {
  cfg: ZoneConfig;
  alarms: ZoneAlarms;
  last?: ControllerReading & { wall: number };
  /** wall ms of the previous reading (exposure: parcels present since then) */
  prevWall?: number;
  /** highest wall time recorded (a reading dated before it is flagged clock-unsynced) */
  high: number;
  lastTelemetryMono?: number;
  /** readings taken but not yet committed (the store refused the write): retried first */
  pending: Array<{ r: ControllerReading; wall: number }>;
  /** the store's coded error while readings of this zone cannot be written */
  writeError?: QhError;
  /** the alarm state's saveKey() when last saved, and quiet readings since */
  savedKey?: string;
  sinceSave: number;
  timer?: NodeJS.Timeout;
  polling?: Promise<void>;
}

export class ColdService {
  readonly record: TemperatureRecord;
  private readonly runs = new Map<string, ZoneRun>();
  private readonly byCompartment = new Map<string, string>();
  private readonly announcer: Announcer;
  private readonly exposure: Exposure;
  private readonly st: Record<string, Database.Statement>;
  private started = false;
  /** controller device → monotonic ms its state document was last published */
  private readonly statePublished = new Map<string, number>();
  private retentionTimer?: NodeJS.Timeout;
  private offCorrection: () => void = () => {};

  constructor(private readonly o: ColdServiceOptions) {
    this.record = new TemperatureRecord(o.db, { blockReadings: o.blockReadings });
    this.announcer = new Announcer(o.db, o.events, o.clock, o.log, "cold_outbox");
    this.exposure = new Exposure(o.db, o.parcels, o.log);
    const db = o.db;
    this.st = {
      load: db.prepare("SELECT doc FROM cold_zone_state WHERE zone = ?").pluck(),
      save: db.prepare(
        "INSERT INTO cold_zone_state (zone, doc, updated_at) VALUES (?, ?, ?) ON CONFLICT(zone) DO UPDATE SET doc = excluded.doc, updated_at = excluded.updated_at",
      ),
      high: db
        .prepare(
          "SELECT max(m) FROM (SELECT max(max_ts) AS m FROM cold_blocks WHERE zone = @z UNION ALL SELECT max(ts) FROM cold_open WHERE zone = @z)",
        )
        .pluck(),
    };
    for (const cfg of o.zones) {
      if (!o.controllers.has(cfg.controller.device)) {
        throw new QhError(
          "QH_CONFIG_INVALID",
          `cold.zones.${cfg.id}.controller: no controller ${cfg.controller.device}`,
        );
      }
      const raw = this.st.load!.get(cfg.id) as string | undefined;
      const state: ZoneAlarmState = raw ? { ...emptyAlarmState(), ...JSON.parse(raw) } : emptyAlarmState();
      const alarms = new ZoneAlarms(cfg.id, cfg.limits, state, 3 * cfg.pollSeconds, () =>
        uuid(o.clock.now()),
      );
      const z = this.record.zoneId(cfg.id);
      const high = ((this.st.high!.get({ z }) as number | null) ?? 0) * 1000;
      this.runs.set(cfg.id, { cfg, alarms, high, pending: [], sinceSave: 0 });
      for (const c of cfg.compartments) this.byCompartment.set(`${c.device}/${c.compartment}`, cfg.id);
    }
    this.subscribeCorrections();
  }

  /** Follows the TimeKeeper's corrections (from construction: readings may be ingested before start). */
  private subscribeCorrections(): void {
    this.offCorrection();
    this.offCorrection = this.o.clock.onCorrection((delta, since) => this.reanchor(delta, since));
  }

  // --- lifecycle --------------------------------------------------------------------------------

  /** Sends what a crash left in the outbox, publishes the zones' state, starts polling. */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    this.subscribeCorrections();
    await this.announcer.flush();
    for (const run of this.runs.values()) {
      const open = run.alarms.openAlarms();
      if (open.length > 0)
        this.o.log.warn(
          { zone: run.cfg.id, alarms: open.map((a) => a.kind) },
          "cold: alarms still open from before the restart",
        );
      this.schedule(run, this.o.firstPollMs ?? 1000);
    }
    this.publishState();
    this.prune();
    this.retentionTimer = setInterval(() => this.prune(), 3_600_000);
    this.retentionTimer.unref();
  }

  async stop(): Promise<void> {
    this.started = false;
    this.offCorrection();
    if (this.retentionTimer) clearInterval(this.retentionTimer);
    for (const run of this.runs.values()) {
      if (run.timer) clearTimeout(run.timer);
      run.timer = undefined;
      await run.polling;
      if (run.sinceSave > 0) {
        try {
          this.st.save!.run(run.cfg.id, JSON.stringify(run.alarms.state), this.o.clock.now());
          run.sinceSave = 0;
        } catch (err) {
          this.o.log.error({ err, zone: run.cfg.id }, "cold: the zone's state could not be saved at stop");
        }
      }
    }
  }

  /**
   * The wall clock was corrected by `delta` (TimeKeeper): the times of open excursions and alarms
   * taken at or after `since` were read on the clock that was off and move with it, so the breach
   * events name the excursion in the corrected time; so does the zone's high-water time (a reading
   * dated before it is flagged clock-unsynced). Recorded readings are not rewritten: they
   * carry the clock flag they were taken with.
   */
  reanchor(delta: number, since: number): void {
    const move = (t: number) => (t >= since ? t + delta : t);
    for (const run of this.runs.values()) {
      const st = run.alarms.state;
      for (const a of Object.values(st.open)) {
        a.startAt = move(a.startAt);
        a.raisedAt = move(a.raisedAt);
      }
      if (st.run) st.run.startAt = move(st.run.startAt);
      for (const sp of [...st.spans, ...(st.faultSpans ?? []), ...(st.unreachableSpans ?? [])])
        sp[2] = move(sp[2]);
      if (run.prevWall !== undefined) run.prevWall = move(run.prevWall);
      // the high-water time was read on the clock that was off: a year-ahead step corrected back
      // must not flag every later reading "clock unsynced" until the clock catches it up
      run.high = move(run.high);
      this.st.save!.run(run.cfg.id, JSON.stringify(st), this.o.clock.now());
    }
    this.o.log.warn({ deltaMs: Math.round(delta) }, "cold: clock corrected; open excursions re-anchored");
  }

  // --- polling ----------------------------------------------------------------------------------

  /** Polls on a monotonic schedule (start + k × interval): no drift, no burst after a stall. */
  private schedule(run: ZoneRun, firstMs: number): void {
    const period = run.cfg.pollSeconds * 1000;
    let next = this.o.clock.mono() + firstMs;
    const tick = () => {
      if (!this.started) return;
      run.polling = this.poll(run.cfg.id).finally(() => {
        run.polling = undefined;
      });
      const now = this.o.clock.mono();
      next += period;
      if (next < now) next = now + period; // a stall: skip, do not burst
      run.timer = setTimeout(tick, next - now);
      run.timer.unref?.();
    };
    run.timer = setTimeout(tick, Math.max(0, next - this.o.clock.mono()));
    run.timer.unref?.();
  }

  /** One poll of a zone: read its controller channel and ingest. Never throws. */
  async poll(zone: string): Promise<void> {
    const run = this.require(zone);
    const port = this.o.controllers.get(run.cfg.controller.device)!;
    let reading: ControllerReading;
    try {
      reading = await port.read(run.cfg.controller.channel);
    } catch (err) {
      this.o.log.warn({ err, zone }, "cold: controller read failed; recorded as unreachable");
      reading = {
        device: port.device,
        channel: run.cfg.controller.channel,
        temperatureC: null,
        quality: "unreachable",
        atMono: this.o.clock.mono(),
      };
    }
    try {
      await this.ingest(zone, reading);
    } catch (err) {
      this.o.log.error({ err, zone }, "cold: a reading could not be recorded");
    }
  }

  /**
   * Records one reading of `zone`, runs the alarm logic and tracks the parcels inside during an
   * excursion, all in one transaction; resolves once the events it decided are durable.
   * @returns the alarm actions it decided
   */
  async ingest(zone: string, r: ControllerReading): Promise<AlarmAction[]> {
    const run = this.require(zone);
    run.pending.push({ r, wall: this.o.clock.now() });
    if (run.pending.length > MAX_PENDING) {
      run.pending.shift();
      this.o.log.error({ zone }, "cold: a reading the store could not take was dropped (a gap)");
    }
    const actions: AlarmAction[] = [];
    while (run.pending.length > 0) {
      const p = run.pending[0]!;
      actions.push(...(await this.commitReading(run, p.r, p.wall)));
    }
    return actions;
  }

  /**
   * Problems for /health: zones whose temperature cannot be known (sensor fault, controller
   * unreachable) and zones whose readings the store refuses (they are kept and retried).
   * @returns one line per zone, with the store's code
   */
  problems(): string[] {
    const out: string[] = [];
    for (const run of this.runs.values()) {
      // a zone whose temperature cannot be known cannot be kept cold-chain safe
      for (const a of run.alarms.openAlarms())
        if (a.kind === "sensor_fault" || a.kind === "unreachable")
          out.push(`cold zone ${run.cfg.id}: ${a.kind.replace("_", " ")} since ${iso(a.startAt)}`);
      if (run.writeError)
        out.push(
          `cold zone ${run.cfg.id}: ${run.pending.length} reading(s) not recorded (${run.writeError.code}), retried at each poll`,
        );
    }
    return out;
  }

  /** Warnings for /health: zones in temperature or door alarm (the chain is watched, but broken). */
  warnings(): string[] {
    const out: string[] = [];
    for (const run of this.runs.values())
      for (const a of run.alarms.openAlarms())
        if (a.kind === "temperature" || a.kind === "door_open")
          out.push(
            `cold zone ${run.cfg.id} in alarm: ${a.kind === "door_open" ? "door open" : `temperature (${a.rule})`} since ${iso(a.startAt)}`,
          );
    return out;
  }

  /**
   * Commits the oldest pending reading of a zone. The alarm logic runs on the state in memory; if
   * the transaction fails, the state is put back (nothing decided happened: the alarm raised in
   * it will be raised again when the reading is retried), the reading stays pending and the
   * store's coded error is kept for /health and thrown.
   */
  private async commitReading(run: ZoneRun, r: ControllerReading, wall: number): Promise<AlarmAction[]> {
    const zone = run.cfg.id;
    const { clock } = this.o;
    const unsynced = !clock.synced() || wall < run.high - 1000;
    const value = r.quality === "unreachable" ? null : r.temperatureC;
    const snap = run.alarms.snapshot();
    let committed = false;
    let saved: string | undefined;
    let actions: AlarmAction[];
    try {
      actions = await this.announcer.commit((out) => {
        out.later.push(() => {
          committed = true;
        });
        this.record.append(
          zone,
          { ts: wall, temperatureC: value, quality: r.quality, clockUnsynced: unsynced },
          run.cfg.pollSeconds,
        );
        const before = run.alarms.exposed();
        const acts = run.alarms.feed({
          mono: r.atMono,
          wall,
          temperatureC: value,
          quality: r.quality,
          doorOpen: r.doorOpen,
          defrosting: r.defrosting,
        });
        if (before || run.alarms.exposed())
          this.exposure.track(zone, run.cfg.compartments, before ? (run.prevWall ?? wall) : wall);
        for (const a of acts) this.exposure.announce(run.cfg, a, out);
        if (!run.alarms.exposed()) this.exposure.forget(zone);
        // The state is rewritten when it matters to a restart (something counted, opened or
        // closed); a quiet zone's state (observation time, last value) every SAVE_QUIET_EVERY.
        const key = run.alarms.saveKey();
        if (
          acts.length > 0 ||
          !run.alarms.quiet() ||
          key !== run.savedKey ||
          run.sinceSave + 1 >= SAVE_QUIET_EVERY
        ) {
          this.st.save!.run(zone, JSON.stringify(run.alarms.state), wall);
          saved = key;
        }
        return acts;
      });
    } catch (err) {
      if (committed) {
        run.pending.shift(); // committed; an emit was refused (the outbox sends it again)
        throw err;
      }
      run.alarms.restore(snap);
      this.record.reload(zone);
      run.writeError =
        err instanceof QhError
          ? err
          : new QhError("QH_STORE_IO", `cold zone ${zone}: ${(err as Error).message}`);
      throw run.writeError;
    }
    run.pending.shift();
    run.writeError = undefined;
    if (saved !== undefined) {
      run.savedKey = saved;
      run.sinceSave = 0;
    } else run.sinceSave++;
    run.high = Math.max(run.high, wall);
    run.prevWall = wall;
    run.last = { ...r, temperatureC: value, wall };
    this.telemetry(run, r);
    if (actions.length > 0) this.publishState();
    else this.followState(run.cfg.controller.device, r.atMono);
    return actions;
  }

  private telemetry(run: ZoneRun, r: ControllerReading): void {
    const every = (this.o.telemetrySeconds ?? 60) * 1000;
    if (!this.o.telemetry || every <= 0) return;
    if (run.lastTelemetryMono !== undefined && r.atMono - run.lastTelemetryMono < every) return;
    run.lastTelemetryMono = r.atMono;
    const z = run.cfg.id;
    const m: Metrics = { [`${z}.quality`]: r.quality, [`${z}.inAlarm`]: run.alarms.inAlarm() };
    if (r.temperatureC !== null && r.quality === "ok") m[`${z}.temperatureC`] = r.temperatureC;
    if (r.setpointC !== undefined) m[`${z}.setpointC`] = r.setpointC;
    this.o.telemetry(run.cfg.controller.device, m);
  }

  private prune(): void {
    if (!this.o.clock.synced()) return; // a wrong clock would prune the wrong year
    const days = Math.max(366, this.o.retentionDays ?? 366);
    try {
      const n = this.record.prune(this.o.clock.now() - days * 86_400_000);
      if (n > 0) this.o.log.info({ readings: n, days }, "cold: record pruned past retention");
    } catch (err) {
      this.o.log.error({ err }, "cold: record pruning failed");
    }
  }

  // --- views ------------------------------------------------------------------------------------

  zoneIds(): string[] {
    return [...this.runs.keys()];
  }

  zoneConfig(zone: string): ZoneConfig {
    return this.require(zone).cfg;
  }

  /** The zone holding a compartment, if it is in one. */
  zoneOfCompartment(device: string, compartment: string): string | undefined {
    return this.byCompartment.get(`${device}/${compartment}`);
  }

  openAlarms(zone: string): Alarm[] {
    return this.require(zone).alarms.openAlarms();
  }

  /** Wall ms of the zone's current excursion start, if one is under way. */
  excursionStart(zone: string): number | undefined {
    return this.require(zone).alarms.excursionStart();
  }

  /** Whether the parcel is tracked in a zone's current excursion. */
  exposedParcel(zone: string, parcelId: string): boolean {
    return this.exposure.has(zone, parcelId);
  }

  /** Breaches recorded for a parcel (oldest first). */
  breachesOf(parcelId: string): JsonObject[] {
    return this.exposure.breachesOf(parcelId);
  }

  /** A zone's current state (the state document's entry and the API's view). */
  zoneView(zone: string): JsonObject {
    const run = this.require(zone);
    const l = run.last;
    return {
      zone,
      kind: run.cfg.kind,
      minC: run.cfg.limits.min,
      maxC: run.cfg.limits.max,
      controller: run.cfg.controller.device,
      channel: run.cfg.controller.channel,
      temperatureC: l?.temperatureC ?? null,
      quality: l?.quality ?? null,
      at: l ? iso(l.wall) : null,
      setpointC: l?.setpointC ?? null,
      doorOpen: l?.doorOpen ?? null,
      defrosting: l?.defrosting ?? null,
      inAlarm: run.alarms.inAlarm(),
      // while > 0, readings above the range count towards no alarm (a defrost, its bypass time)
      defrostBypassSeconds: Math.round(run.alarms.defrostBypassLeft()),
      alarms: run.alarms.openAlarms().map((a) => ({
        alarmId: a.id,
        kind: a.kind,
        ...(a.rule ? { rule: a.rule } : {}),
        since: iso(a.startAt),
      })),
    };
  }

  /**
   * The state document follows the readings, not only the alarms: a reading with no alarm change
   * republishes its controller's document once `telemetrySeconds` (60 s when telemetry is off)
   * have passed since it was last published (monotonic); the readings in between are coalesced
   * into it (each publish writes the state table and a retained message, so not every poll).
   */
  private followState(device: string, mono: number): void {
    const every = ((this.o.telemetrySeconds ?? 60) || 60) * 1000;
    const last = this.statePublished.get(device);
    if (last !== undefined && mono - last < every) return;
    this.publishState(device, mono);
  }

  /**
   * Publishes each controller's state document (or only `device`'s): its zones' current state.
   * @param mono monotonic ms of the publish (paces followState), default now
   */
  publishState(device?: string, mono = this.o.clock.mono()): void {
    if (!this.o.state) return;
    const byDevice = new Map<string, JsonObject>();
    for (const run of this.runs.values()) {
      const d = run.cfg.controller.device;
      if (device !== undefined && d !== device) continue;
      const doc = byDevice.get(d) ?? {};
      doc[run.cfg.id] = this.zoneView(run.cfg.id);
      byDevice.set(d, doc);
    }
    for (const [d, zones] of byDevice) {
      this.statePublished.set(d, mono);
      this.o.state(d, { coldZones: zones });
    }
  }

  /**
   * A defrost was commanded on `zone` (cold.defrost started it): readings above the range start
   * no excursion for the zone's defrostAlarmDelaySeconds, within the bounds of defrost.ts (no
   * window for a zone already warm or in alarm, none extended, one per defrost), saved at once
   * (a restart keeps it).
   */
  defrostCommanded(zone: string): void {
    const run = this.require(zone);
    if (!run.alarms.defrostStarted())
      this.o.log.info(
        { zone },
        "cold: defrost commanded, no alarm bypass (zone out of range or in alarm, or this defrost had its window)",
      );
    try {
      this.st.save!.run(zone, JSON.stringify(run.alarms.state), this.o.clock.now());
      run.savedKey = run.alarms.saveKey();
    } catch (err) {
      this.o.log.error({ err, zone }, "cold: the defrost bypass could not be saved");
    }
    this.publishState(run.cfg.controller.device);
  }

  /** The port and channel of a zone (commands). */
  controllerOf(zone: string): { port: ColdControllerPort; channel: number } {
    const run = this.require(zone);
    return { port: this.o.controllers.get(run.cfg.controller.device)!, channel: run.cfg.controller.channel };
  }

  /** Emits an event through the cold outbox (durable before it resolves). */
  emit(device: string, type: string, data: JsonObject): Promise<void> {
    return this.announcer.commit((out) => out.emit(device, type, data));
  }

  require(zone: string): ZoneRun {
    const run = this.runs.get(zone);
    if (!run) throw new QhError("QH_COLD_ZONE_UNKNOWN", `no cold zone ${zone}`, { zone });
    return run;
  }
}
