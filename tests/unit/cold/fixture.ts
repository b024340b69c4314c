/**
 * Shared set-up for the cold chain tests: a real SQLite file in a temp dir, a manual clock, an
 * event store in its own SQLite file, and an in-memory controller behind ColdControllerPort (our
 * own seam: the Modbus driver is tested against the simulator and a third-party server elsewhere).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { expect } from "vitest";
import { ManualClock } from "../../../src/core/clock.js";
import type { JsonObject } from "../../../src/core/envelope.js";
import { QhError } from "../../../src/core/errors.js";
import { silentLogger } from "../../../src/core/logger.js";
import { COLD_EVENTS } from "../../../src/domain/cold/events.js";
import type { ParcelLocator } from "../../../src/domain/cold/parcels.js";
import type { ColdControllerPort, ControllerReading } from "../../../src/domain/cold/ports.js";
import { ColdService, type ColdServiceOptions } from "../../../src/domain/cold/service.js";
import { zoneLimits } from "../../../src/domain/cold/settings.js";
import type { ReadingQuality, ZoneConfig, ZoneLimits } from "../../../src/domain/cold/types.js";
import { SqliteEventSink } from "../../helpers/sqlite-event-sink.js";

/** What the in-memory controller answers for a channel. */
export interface ChannelState {
  temperatureC: number | null;
  quality: ReadingQuality;
  setpointC: number;
  doorOpen: boolean;
  defrosting: boolean;
  /** the controller stores set-points only within these (a read-back then differs) */
  setpointLimits?: [number, number];
}

export class MemoryController implements ColdControllerPort {
  readonly channels = new Map<number, ChannelState>();
  readonly writes: Array<{ channel: number; celsius: number }> = [];
  dead = false;

  constructor(
    readonly device: string,
    private readonly clock: ManualClock,
  ) {}

  set(channel: number, s: Partial<ChannelState>): void {
    const cur = this.channels.get(channel) ?? {
      temperatureC: 4,
      quality: "ok" as const,
      setpointC: 4,
      doorOpen: false,
      defrosting: false,
    };
    this.channels.set(channel, { ...cur, ...s });
  }

  async read(channel: number): Promise<ControllerReading> {
    const c = this.channels.get(channel);
    if (this.dead || !c)
      return {
        device: this.device,
        channel,
        temperatureC: null,
        quality: "unreachable",
        atMono: this.clock.mono(),
      };
    return {
      device: this.device,
      channel,
      temperatureC: c.quality === "ok" ? c.temperatureC : null,
      quality: c.quality,
      setpointC: c.setpointC,
      doorOpen: c.doorOpen,
      defrosting: c.defrosting,
      atMono: this.clock.mono(),
    };
  }

  async writeSetpoint(channel: number, celsius: number): Promise<number> {
    if (this.dead) throw new QhError("QH_SERIAL_TIMEOUT", `${this.device} did not answer`);
    this.writes.push({ channel, celsius });
    const c = this.channels.get(channel)!;
    const [lo, hi] = c.setpointLimits ?? [-60, 30];
    c.setpointC = Math.min(hi, Math.max(lo, celsius));
    return c.setpointC;
  }

  async defrost(channel: number): Promise<"started" | "already_running"> {
    if (this.dead) throw new QhError("QH_SERIAL_TIMEOUT", `${this.device} did not answer`);
    const c = this.channels.get(channel)!;
    if (c.defrosting) return "already_running";
    c.defrosting = true;
    return "started";
  }
}

export const CTRL = "ctrl-1";

export function chilledZone(over: Partial<ZoneConfig> = {}, limits: Partial<ZoneLimits> = {}): ZoneConfig {
  return {
    id: "chilled",
    kind: "chilled",
    controller: { device: CTRL, channel: 0 },
    compartments: [],
    pollSeconds: 30,
    limits: zoneLimits("chilled", {
      alarmDelaySeconds: 300,
      cumulativeLimitSeconds: 0,
      sensorFaultSeconds: 60,
      unreachableSeconds: 90,
      doorOpenSeconds: 120,
      ...limits,
    }),
    ...over,
  };
}

export interface ColdFixture {
  dir: string;
  dbFile: string;
  db: Database.Database;
  sink: SqliteEventSink;
  clock: ManualClock;
  ctrl: MemoryController;
  svc: ColdService;
  states: Array<{ device: string; doc: JsonObject }>;
  /** poll every zone once, then let `seconds` pass (wall and monotonic) */
  step(seconds?: number): Promise<void>;
  /** close the database and open a new service on it (a restart: monotonic time goes on) */
  restart(): Promise<void>;
  cleanup(): Promise<void>;
}

export async function coldFixture(
  zones: ZoneConfig[],
  opts: {
    db?: Database.Database;
    clock?: ManualClock;
    parcels?: ParcelLocator;
    extra?: Partial<ColdServiceOptions>;
  } = {},
): Promise<ColdFixture> {
  const dir = mkdtempSync(join(tmpdir(), "qh-cold-"));
  const dbFile = join(dir, "gateway.db");
  const clock = opts.clock ?? new ManualClock();
  const sink = new SqliteEventSink(join(dir, "events.db"));
  const ctrl = new MemoryController(CTRL, clock);
  for (const z of zones) ctrl.set(z.controller.channel, {});
  const states: ColdFixture["states"] = [];
  const openDb = () => {
    const db = new Database(dbFile);
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = FULL");
    return db;
  };
  const make = (db: Database.Database) =>
    new ColdService({
      db,
      events: sink,
      state: (device, doc) => states.push({ device, doc }),
      clock,
      log: silentLogger(),
      zones,
      controllers: new Map([[CTRL, ctrl]]),
      parcels: opts.parcels,
      firstPollMs: 0,
      ...opts.extra,
    });
  const ownDb = opts.db === undefined;
  const db = opts.db ?? openDb();
  const f: ColdFixture = {
    dir,
    dbFile,
    db,
    sink,
    clock,
    ctrl,
    svc: make(db),
    states,
    async step(seconds = 30) {
      for (const z of zones) await f.svc.poll(z.id);
      clock.advance(seconds * 1000);
    },
    async restart() {
      await f.svc.stop();
      if (ownDb) {
        f.db.close();
        f.db = openDb();
      }
      f.svc = make(f.db);
    },
    async cleanup() {
      await f.svc.stop();
      for (const t of sink.types()) expect(Object.keys(COLD_EVENTS), `undocumented event ${t}`).toContain(t);
      if (ownDb && f.db.open) f.db.close();
      sink.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return f;
}
