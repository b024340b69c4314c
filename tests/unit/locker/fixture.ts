/** Shared set-up for the locker behaviour tests: real SQLite files in a temp dir, a manual clock. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { expect } from "vitest";
import { ManualClock } from "../../../src/core/clock.js";
import type { JsonObject } from "../../../src/core/envelope.js";
import { DISTRIBUTION_EVENTS } from "../../../src/domain/distribution/events.js";
import { LOCKER_EVENTS } from "../../../src/domain/locker/events.js";
import type { CompartmentRef, CompartmentSize, LockerBankLayout } from "../../../src/domain/locker/ports.js";
import { LockerService, type LockerServiceOptions } from "../../../src/domain/locker/service.js";
import type { LockerSettings } from "../../../src/domain/locker/settings.js";
import { FakeLockPort } from "../../helpers/fake-lock-port.js";
import { SqliteEventSink } from "../../helpers/sqlite-event-sink.js";

export const SECRET = Buffer.from("quarterhour-test-site-secret-key");
export const COURIER = { id: "courier-ana", code: "KQXWZV" };
export const OTHER_COURIER = { id: "courier-ben", code: "MRTPLB" };
export const KIOSK = "kiosk-1";
export const DEVICE = "locker-a";

/** Six compartments: two S, two M, one L (all with door and presence), one XL without presence. */
export const LAYOUT: LockerBankLayout[] = [
  {
    device: DEVICE,
    compartments: [
      { id: "A01", size: "S", zone: "ambient", sensors: { door: true, presence: true }, board: 0 },
      { id: "A02", size: "S", zone: "ambient", sensors: { door: true, presence: true }, board: 0 },
      { id: "A03", size: "M", zone: "ambient", sensors: { door: true, presence: true }, board: 0 },
      { id: "A04", size: "M", zone: "ambient", sensors: { door: true, presence: true }, board: 0 },
      { id: "A05", size: "L", zone: "ambient", sensors: { door: true, presence: true }, board: 0 },
      { id: "A06", size: "XL", zone: "ambient", sensors: { door: true, presence: false }, board: 0 },
    ],
  },
];

export function ref(compartment: string, device = DEVICE): CompartmentRef {
  return { device, compartment };
}

export interface Fixture {
  dir: string;
  dbFile: string;
  db: Database.Database;
  sink: SqliteEventSink;
  clock: ManualClock;
  port: FakeLockPort;
  svc: LockerService;
  states: Array<{ device: string; doc: JsonObject }>;
  /** Stop the service and close the locker database, as a shutdown (or a crash after commit) does. */
  shutdown(): Promise<void>;
  /** Open the same file again with a new service (the doors, clock and event store stay). */
  restart(): Promise<void>;
  cleanup(): Promise<void>;
}

export interface FixtureOptions {
  settings?: Partial<LockerSettings>;
  layout?: LockerBankLayout[];
  terminals?: LockerServiceOptions["terminals"];
  courierCodes?: boolean;
  /** The driver's first poll reports every door after start (default true), as the real driver does. */
  initialPoll?: boolean;
  /** The service's logger (default silent). */
  logger?: LockerServiceOptions["logger"];
  /** Called after each state document the service publishes (the locker extension's layout keeper). */
  onState?: () => void;
}

export async function lockerFixture(opts: FixtureOptions = {}): Promise<Fixture> {
  const dir = mkdtempSync(join(tmpdir(), "qh-locker-"));
  const dbFile = join(dir, "gateway.db");
  const clock = new ManualClock();
  const sink = new SqliteEventSink(join(dir, "events.db"));
  const port = new FakeLockPort(clock, {
    hasPresence: (r) =>
      (opts.layout ?? LAYOUT).some(
        (b) =>
          b.device === r.device && b.compartments.some((c) => c.id === r.compartment && c.sensors.presence),
      ),
  });
  const states: Fixture["states"] = [];
  let n = 0;
  const newId = () => `parcel-${String.fromCharCode(97 + (n % 26))}${Math.floor(n++ / 26)}`;

  const open = async () => {
    const db = new Database(dbFile);
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = FULL");
    const svc = new LockerService({
      db,
      events: sink,
      state: {
        state: (device, doc) => {
          states.push({ device, doc });
          opts.onState?.();
        },
      },
      lock: port,
      layout: opts.layout ?? LAYOUT,
      secretKey: SECRET,
      settings: opts.settings,
      clock,
      terminals: opts.terminals,
      sweepIntervalMs: 0,
      newId,
      ...(opts.logger ? { logger: opts.logger } : {}),
    });
    port.attach(svc);
    await svc.start();
    if (opts.initialPoll !== false) {
      await port.poll((opts.layout ?? LAYOUT).flatMap((b) => b.compartments.map((c) => ref(c.id, b.device))));
    }
    return { db, svc };
  };

  const first = await open();
  const f: Fixture = {
    dir,
    dbFile,
    db: first.db,
    sink,
    clock,
    port,
    svc: first.svc,
    states,
    async shutdown() {
      await port.settle();
      await f.svc.stop();
      f.db.close();
    },
    async restart() {
      const next = await open();
      f.db = next.db;
      f.svc = next.svc;
    },
    async cleanup() {
      await port.settle();
      // Every event emitted is one the domain documents (LOCKER_EVENTS).
      for (const t of sink.types())
        expect(
          Object.keys({ ...LOCKER_EVENTS, ...DISTRIBUTION_EVENTS }),
          `undocumented event ${t}`,
        ).toContain(t);
      await f.svc.stop();
      if (f.db.open) f.db.close();
      sink.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  if (opts.courierCodes !== false) {
    await command(f, "courier.codes.set", { couriers: [COURIER, OTHER_COURIER] });
  }
  return f;
}

let cmdSeq = 0;
/** Run a platform command through the service's handlers, as the command router would. */
export async function command(
  f: Fixture,
  name: string,
  args: JsonObject,
  device?: string,
): Promise<JsonObject> {
  const handler = f.svc.commands()[name];
  if (!handler) throw new Error(`no handler ${name}`);
  cmdSeq += 1;
  return handler(args, { id: `cmd-${cmdSeq}`, ...(device !== undefined ? { device } : {}) });
}

/** A whole courier deposit with the door springing open and a parcel put in; returns the code. */
export async function depositParcel(
  f: Fixture,
  opts: { barcode: string; size?: CompartmentSize; terminal?: string; courier?: { code: string } },
): Promise<{ parcelId: string; code: string; at: CompartmentRef }> {
  const terminal = opts.terminal ?? KIOSK;
  if (f.svc.depositSession(terminal) === undefined) {
    await f.svc.startDeposit(terminal, (opts.courier ?? COURIER).code);
  }
  f.svc.scanBarcode(terminal, opts.barcode);
  const s = await f.svc.chooseSize(terminal, opts.size);
  await f.port.settle();
  const at = ref(s.compartment as string, s.device);
  expect(f.port.isOpen(at)).toBe(true);
  await f.port.putParcel(at);
  await f.port.close(at);
  await f.port.settle();
  const ev = f.sink.events("parcel.deposited").find((e) => e.data.barcode === opts.barcode);
  expect(ev).toBeDefined();
  return { parcelId: ev?.data.parcelId as string, code: ev?.data.pickupCode as string, at };
}

/** Event types after a given seq (or all). */
export function typesSince(f: Fixture, seq = 0): string[] {
  return f.sink
    .events()
    .filter((e) => e.seq > seq)
    .map((e) => e.type);
}

export function lastSeq(f: Fixture): number {
  return f.sink.events().at(-1)?.seq ?? 0;
}
