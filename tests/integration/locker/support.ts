/**
 * A whole locker site for the flow tests: a real gateway in-process with the locker extension (as
 * `quarterhour start` wires it), a simulated lockboard-xor line of one demo-bank-24 (`sim://bus-a`,
 * or whatever buses a test passes), and an upstream aedes broker on a fixed port that a test can
 * stop and start again, with a Platform consumer collecting `R/events`.
 *
 *   const site = await startLockerSite({ uplinkDown: true });
 *   await site.kiosk("deposit", { courierCode: COURIER_CODE });   // POST /api/v1/kiosk/kiosk-1/deposit
 *   await site.sim(LOCKER, "A07", "close");                       // the courier's hand
 *   await site.startUplink();                                     // platform back: backlog drains
 *   site.eventsOfType("parcel.deposited");
 *
 * The upstream broker holds the gateway's CONNECT until the Platform consumer has subscribed, so
 * no event can be delivered (and PUBACKed) before anyone listens: nothing here depends on timing.
 */
import { rmSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { join } from "node:path";
import { Aedes } from "aedes";
import { expect } from "vitest";
import type { Clock } from "../../../src/core/clock.js";
import { extensionsFor } from "../../../src/extensions/index.js";
import { DEMO_COURIER } from "../../../src/extensions/locker.js";
import type { GatewayOptions } from "../../../src/gateway.js";
import { createLockboardSim } from "../../../src/sim/lockboard-xor.js";
import { runSimOnPath } from "../../../src/sim/pty-runner.js";
import type { Simulator } from "../../../src/sim/types.js";
import { contractValidators, schemaForUplinkTopic } from "../../helpers/contract.js";
import { startTestGateway, tempDir, testConfig } from "../../helpers/gateway.js";
import { openPtyPair, type PtyPair } from "../../helpers/pty.js";
import { type Envelope, freePort, Platform, waitUntil } from "../../helpers/upstream.js";

export const TOKEN = "test-token-0123456789";
/** An event not yet delivered: above the delivery watermark and not marked on its own. */
const PENDING = "seq > (SELECT coalesce(max(upto), 0) FROM delivery_marks) AND delivered_at IS NULL";
export const R = "qh/v1/gw-test";
export const LOCKER = "locker-a";
export const TERMINAL = "kiosk-1";
/** The demo courier installed on simulated sites while no courier codes were synced. */
export const COURIER_CODE = DEMO_COURIER.code;
export const COURIER_ID = DEMO_COURIER.id;

export type SimAction = "close" | "open" | "force-open" | "jam" | "unjam" | "put" | "take";
type Json = Record<string, unknown>;

export interface Reply<T = Json> {
  status: number;
  body: T;
}

export interface CompartmentView {
  device: string;
  compartment: string;
  size: string;
  state: string;
  reason: string | null;
  reachable: boolean;
  doorOpen: boolean | null;
  present: boolean | null;
  parcelId: string | null;
}

export interface SessionView {
  terminal: string;
  courier: string | null;
  step: "scan" | "size" | "opening" | "open";
  size?: string;
  parcelId?: string;
  device?: string;
  compartment?: string;
  deposits: number;
  available: Record<string, number>;
  offer?: string;
  last?: { outcome: string; parcelId?: string; device?: string; compartment?: string; reason?: string };
}

/** The lockboard-xor line of one demo-bank-24 at address 1 (boards 1 and 2), simulated. */
export function demoBus(id = "bus-a", device = LOCKER): Json {
  return {
    id,
    path: `sim://${id}`,
    protocol: "lockboard-xor",
    pollIntervalMs: 50,
    devices: [{ id: device, model: "demo-bank-24", address: 1 }],
  };
}

/**
 * The demo locker line plus a simulated serial scanner (scanner-a on sim://bus-scanner-a) and the
 * terminal kiosk-a serving locker-a with that scanner: spread into startLockerSite's options.
 */
export function withScanner(): Pick<SiteOptions, "buses" | "terminals"> {
  return {
    buses: [
      demoBus(),
      {
        id: "bus-scanner-a",
        path: "sim://bus-scanner-a",
        protocol: "scanner-line",
        devices: [{ id: "scanner-a", model: "generic-serial-scanner" }],
      },
    ],
    terminals: [{ id: "kiosk-a", banks: [LOCKER], scanner: "scanner-a" }],
  };
}

export interface SiteOptions {
  /** Start with nothing listening on the upstream port (the uplink is down from the first second). */
  uplinkDown?: boolean;
  /** `locker:` settings of the config. */
  locker?: Record<string, unknown>;
  /**
   * `locker.terminals` (default: kiosk-1 and kiosk-2, each serving every locker bank of `buses`).
   * Only declared terminals exist in the kiosk API.
   */
  terminals?: { id: string; banks: string[]; scanner?: string }[];
  /** `buses:` of the config (default: one demo-bank-24 on sim://bus-a). */
  buses?: Json[];
  /** `simulate:` of the config (default true). */
  simulate?: boolean;
  clock?: Clock;
  /** What the OS says about the clock's synchronisation (default: ask it). */
  timeSync?: GatewayOptions["timeSync"];
  /** Start on this data dir (default: a fresh temp dir). */
  dataDir?: string;
  /** `store:` settings of the config (with a dataDir the default is `{ lowDiskMb: 0 }`). */
  store?: Json;
  /** `trace:` settings of the config. */
  trace?: Json;
  /** Gateway test hooks: pretend this many bytes are free; the housekeeping period (ms). */
  freeBytesOverride?: GatewayOptions["freeBytesOverride"];
  housekeepingMs?: number;
  /** The gateway's logger (default: silent). */
  log?: GatewayOptions["log"];
}

// --- the upstream broker ---------------------------------------------------------------------

/** aedes on a fixed port; connections other than the platform's wait until open() is called. */
class Upstream {
  private release!: () => void;
  private readonly gate = new Promise<void>((r) => {
    this.release = r;
  });
  /** The gateway's client subscribed to its command topics. */
  gatewaySubscribed = false;

  private constructor(
    private readonly aedes: Aedes,
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(port: number): Promise<Upstream> {
    let self: Upstream | undefined;
    const aedes = await Aedes.createBroker({
      heartbeatInterval: 60_000,
      maxClientsIdLength: 128,
      authenticate: (client, _u, _p, done) => {
        if (client.id.startsWith("platform-") || !self) done(null, true);
        else self.gate.then(() => done(null, true));
      },
    });
    const server = createServer(aedes.handle);
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => resolve());
    });
    self = new Upstream(aedes, server, `mqtt://127.0.0.1:${port}`);
    const u = self;
    aedes.on("subscribe", (subs, client) => {
      if (client?.id.startsWith("qh-") && subs.some((s) => s.topic.includes("/cmd/"))) {
        u.gatewaySubscribed = true;
      }
    });
    aedes.on("clientDisconnect", (client) => {
      if (client.id.startsWith("qh-")) u.gatewaySubscribed = false;
    });
    return self;
  }

  open(): void {
    this.release();
  }

  async stop(): Promise<void> {
    this.release();
    await new Promise<void>((r) => this.aedes.close(() => r()));
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

// --- the site --------------------------------------------------------------------------------

export type LockerSite = Awaited<ReturnType<typeof startLockerSite>>;

export async function startLockerSite(o: SiteOptions = {}) {
  const port = await freePort();
  const url = `mqtt://127.0.0.1:${port}`;
  let upstream: Upstream | undefined;
  let platform: Platform | undefined;
  const platforms: Platform[] = [];

  const buses = o.buses ?? [demoBus()];
  const banks = buses
    .filter((b) => b.protocol !== "scanner-line")
    .flatMap((b) => (b.devices as { id: string }[]).map((d) => d.id));
  const terminals = o.terminals ?? [
    { id: TERMINAL, banks },
    { id: "kiosk-2", banks },
  ];
  const config = testConfig(
    url,
    {
      simulate: o.simulate ?? true,
      buses,
      locker: { terminals, ...o.locker },
      ...(o.trace ? { trace: o.trace } : {}),
      ...(o.dataDir || o.store ? { store: { ...(o.dataDir ? { lowDiskMb: 0 } : {}), ...o.store } } : {}),
    },
    o.dataDir,
  );
  const gw = await startTestGateway(config, {
    extensions: extensionsFor(config),
    ...(o.clock ? { clock: o.clock } : {}),
    ...(o.timeSync ? { timeSync: o.timeSync } : {}),
    ...(o.freeBytesOverride ? { freeBytesOverride: o.freeBytesOverride } : {}),
    ...(o.housekeepingMs ? { housekeepingMs: o.housekeepingMs } : {}),
    ...(o.log ? { log: o.log } : {}),
  }).catch((err: unknown) => {
    rmSync(config.dataDir, { recursive: true, force: true });
    throw err;
  });

  const request = async <T = Json>(method: "GET" | "POST" | "DELETE", url: string, payload?: unknown) => {
    const res = await gw.api.inject({
      method,
      url,
      headers: { authorization: `Bearer ${TOKEN}` },
      ...(payload === undefined ? {} : { payload: payload as Json }),
    });
    const text = res.body;
    return { status: res.statusCode, body: (text ? JSON.parse(text) : {}) as T } as Reply<T>;
  };

  /** Every envelope the platform received, first arrival of each id, in arrival order. */
  const received = (): Envelope[] => {
    const seen = new Set<string>();
    const out: Envelope[] = [];
    for (const p of platforms) {
      for (const e of p.events) {
        if (seen.has(e.id)) continue;
        seen.add(e.id);
        out.push(e);
      }
    }
    return out;
  };

  const health = async () => {
    const res = await gw.api.inject({ method: "GET", url: "/health" });
    return {
      status: res.statusCode,
      body: res.json() as {
        status: string;
        uplink: { connected: boolean };
        outbox: { pending: number };
        problems: string[];
        warnings: string[];
        clock?: { synced: boolean; behindHighWater: boolean; lastCorrection?: { deltaMs: number } };
      },
    };
  };

  const site = {
    gw,
    config,
    url,
    get platform(): Platform | undefined {
      return platform;
    },

    request,
    /** POST (with a body) or GET (without) /api/v1/kiosk/{terminal}/{path}. */
    kiosk: <T = Json>(path: string, body?: Json, terminal = TERMINAL) =>
      request<T>(body === undefined ? "GET" : "POST", `/api/v1/kiosk/${terminal}/${path}`, body),
    session: async (terminal = TERMINAL) =>
      (await request<SessionView>("GET", `/api/v1/kiosk/${terminal}/deposit`)).body,
    /** What a person does at the locker: POST /api/v1/sim/lockers/{device}/{compartment}. */
    sim: async (device: string, compartment: string, action: SimAction) => {
      if (action === "close" && (await site.simDoorOpen(device, compartment))) {
        // A person shuts a door seconds after it opened, never within one poll cycle: wait until
        // the gateway has seen it open (a door open for a few milliseconds is missed by polling).
        await waitUntil(
          async () => (await site.compartment(device, compartment)).doorOpen === true,
          10_000,
          `the gateway to see ${device}/${compartment} open`,
        );
      }
      const r = await request("POST", `/api/v1/sim/lockers/${device}/${compartment}`, { action });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      return r.body as { open: boolean; board: number; lock: number };
    },
    simDoorOpen: async (device: string, compartment: string) => {
      const r = await request<{ open: boolean }>("GET", `/api/v1/sim/lockers/${device}/${compartment}`);
      expect(r.status).toBe(200);
      return r.body.open;
    },
    compartments: async (device?: string) =>
      (
        await request<{ compartments: CompartmentView[] }>(
          "GET",
          `/api/v1/locker/compartments${device ? `?device=${device}` : ""}`,
        )
      ).body.compartments,
    compartment: async (device: string, compartment: string) => {
      const all = await site.compartments(device);
      const c = all.find((x) => x.compartment === compartment);
      if (!c) throw new Error(`no compartment ${device}/${compartment}`);
      return c;
    },
    parcel: async (parcelId: string) =>
      (
        await request<{ state: string; compartment: string | null }>(
          "GET",
          `/api/v1/locker/parcels/${parcelId}`,
        )
      ).body,
    health,
    /** A sample of /metrics, e.g. metric("qh_bus_frames_sent_total", { bus: "bus-a" }). */
    async metric(name: string, labels: Record<string, string> = {}): Promise<number> {
      const text = (await gw.api.inject({ method: "GET", url: "/metrics" })).body;
      const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
      for (const line of text.split("\n")) {
        if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
        if (want.every((w) => line.includes(w))) return Number(line.slice(line.lastIndexOf(" ") + 1));
      }
      return Number.NaN;
    },

    /** Types of the events accepted and not yet delivered upstream, in seq order (local truth). */
    pendingTypes: (): string[] =>
      (
        gw.db.prepare(`SELECT type FROM events_view WHERE ${PENDING} ORDER BY seq`).all() as {
          type: string;
        }[]
      ).map((r) => r.type),

    /**
     * The events accepted while the uplink was down, in seq order: durable here (SQLite) and
     * counted in the forwarder's backlog, waiting for the platform.
     */
    async expectPending(types: string[]): Promise<void> {
      await waitUntil(
        () => gw.forwarder.pendingCount >= types.length,
        20_000,
        `${types.length} events waiting for the uplink`,
      );
      expect(site.pendingTypes()).toEqual(types);
      expect(gw.forwarder.pendingCount).toBe(types.length);
    },

    /** Take the platform away and wait until the gateway has noticed. */
    async stopUplink(): Promise<void> {
      if (upstream) await upstream.stop();
      upstream = undefined;
      await platform?.close();
      platform = undefined;
      await waitUntil(async () => !(await health()).body.uplink.connected, 20_000, "uplink down");
    },

    /**
     * Start the platform broker on the same port, subscribe the Platform consumer, then let the
     * gateway in; resolves once the gateway is connected and subscribed to its commands.
     */
    async startUplink(): Promise<Platform> {
      if (upstream) throw new Error("uplink already up");
      upstream = await Upstream.start(port);
      platform = await Platform.connect(url);
      platforms.push(platform);
      upstream.open();
      const u = upstream;
      await waitUntil(
        async () => u.gatewaySubscribed && (await health()).body.uplink.connected,
        20_000,
        "gateway connected upstream",
      );
      return platform;
    },

    /** Every event the platform received (de-duplicated by id), in arrival order. */
    received,
    eventsOfType: (type: string) => received().filter((e) => e.type === type),
    async waitForEvent(
      type: string,
      pred: (e: Envelope) => boolean = () => true,
      timeoutMs = 20_000,
    ): Promise<Envelope> {
      await waitUntil(
        () => received().some((e) => e.type === type && pred(e)),
        timeoutMs,
        `${type} at the platform`,
      );
      return received().find((e) => e.type === type && pred(e))!;
    },

    /**
     * Everything the gateway accepted reached the platform: seqs 1..lastSeq, each once, with no gap,
     * the backlog in seq order; the outbox is empty; every message matches the contract.
     */
    async expectAllDelivered(): Promise<Envelope[]> {
      const last = gw.ingest.lastSeq;
      await waitUntil(
        () => received().length >= last && gw.forwarder.pendingCount === 0,
        30_000,
        `events 1..${last} at the platform`,
      );
      // and their delivery marks on disk (written within a second of the platform's PUBACK)
      await waitUntil(() => site.pendingTypes().length === 0, 10_000, "delivery marks on disk");
      const got = received();
      const seqs = got.map((e) => e.seq);
      expect([...seqs].sort((a, b) => a - b)).toEqual(Array.from({ length: last }, (_, i) => i + 1));
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
      site.expectContract();
      return got;
    },

    /** Every message the platform received (events, state, command results) matches the v1 contract. */
    expectContract(): void {
      const validators = contractValidators();
      for (const p of platforms) {
        for (const m of p.messages) {
          const schema = schemaForUplinkTopic(R, m.topic);
          if (!schema || m.payload === "") continue;
          const validate = validators.get(schema)!;
          const payload = JSON.parse(m.payload) as unknown;
          const ok = validate(payload);
          expect(ok, `${m.topic}: ${JSON.stringify(validate.errors)}\n${m.payload}`).toBe(true);
          // an event type with a data schema of its own (event.{type}.schema.json) is checked too
          if (schema !== "events" && schema !== "envelope") continue;
          for (const e of (Array.isArray(payload) ? payload : [payload]) as Envelope[]) {
            const data = validators.get(`event.${e.type}`);
            if (data) expect(data(e.data), `${e.type}: ${JSON.stringify(data.errors)}`).toBe(true);
          }
        }
      }
    },

    /** Send a platform command on R/cmd/{name} and wait for its result on R/cmd-result/{id}. */
    async command(name: string, body: Json): Promise<Json> {
      const p = platform;
      if (!p) throw new Error("no platform: start the uplink first");
      const id = body.id as string;
      const topic = `${R}/cmd-result/${id}`;
      const before = p.topic(topic).length;
      await p.client.publishAsync(`${R}/cmd/${name}`, JSON.stringify(body), { qos: 1 });
      await p.waitFor(() => p.topic(topic).length > before, 20_000, `result of ${name} ${id}`);
      return JSON.parse(p.topic(topic).at(-1)!.payload) as Json;
    },

    /**
     * A courier deposit at the kiosk, the door driven through the simulator: identify, scan, size,
     * wait for the door to open, put the parcel in (when the compartment can tell), close it.
     */
    async depositParcel(
      barcode: string,
      size = "M",
      opts: { put?: boolean; device?: string } = {},
    ): Promise<{ parcelId: string; device: string; compartment: string }> {
      const device = opts.device ?? LOCKER;
      const start = await site.kiosk("deposit", { courierCode: COURIER_CODE });
      expect(start.status, JSON.stringify(start.body)).toBe(200);
      expect((await site.kiosk("deposit/barcode", { barcode })).status).toBe(200);
      const chosen = await site.kiosk<SessionView>("deposit/size", { size });
      expect(chosen.status, JSON.stringify(chosen.body)).toBe(200);
      const compartment = chosen.body.compartment!;
      const parcelId = chosen.body.parcelId!;
      await waitUntil(async () => (await site.session()).step === "open", 20_000, "deposit door open");
      expect(await site.simDoorOpen(device, compartment)).toBe(true);
      if (opts.put !== false) await site.sim(device, compartment, "put");
      await site.sim(device, compartment, "close");
      await waitUntil(
        async () => (await site.session()).last?.parcelId === parcelId,
        20_000,
        "deposit outcome",
      );
      return { parcelId, device, compartment };
    },

    /** Tear everything down: gateway, platform consumers, broker. */
    async close(): Promise<void> {
      await gw.cleanup();
      for (const p of platforms) await p.close().catch(() => {});
      await upstream?.stop();
      upstream = undefined;
    },
  };
  if (!o.uplinkDown) await site.startUplink();
  return site;
}

// --- a site on a real serial line ------------------------------------------------------------

/** The courier a real site gets from the platform (courier.codes.set): no demo courier there. */
export const PTY_COURIER = { id: "courier-7", code: "K7COURIER42" };

/** demo-bank-24 at address 1: A01–A12 on board 1, A13–A24 on board 2, locks 1–12. */
export function boardLock(compartment: string): [number, number] {
  const n = Number(compartment.slice(1));
  return n <= 12 ? [1, n] : [2, n - 12];
}

/**
 * The demo bank on a REAL serial line: a socat pseudo-terminal pair on stable link paths, the
 * gateway on one end (`simulate: false`, the bus path is the link), the lockboard-xor simulator
 * on the other (runSimOnPath). The doors are driven through `boards` directly (the simulator
 * control API exists for simulated lines only). The uplink is up and the courier code is synced.
 * unplug() kills socat by its pid; replug() starts socat again on the same paths and the
 * simulator on its end.
 */
export function startPtyLockerSite() {
  const boards = createLockboardSim({ boards: [1, 2], locksPerBoard: 12, openReply: "echo" });
  return startPtySite(boards, {
    protocol: "lockboard-xor",
    baudRate: 9600,
    devices: [{ id: LOCKER, model: "demo-bank-24", address: 1 }],
  });
}

/** Any lock-board simulator on the far end of a real serial line, with the bus's protocol and devices. */
export async function startPtySite<S extends Simulator>(
  boards: S,
  line: { protocol: string; baudRate: number; devices: Json[] },
  /** `locker:` settings of the config (e.g. a short doorOpenTimeoutSeconds) */
  locker?: Record<string, unknown>,
) {
  const dir = tempDir("qh-locker-pty-");
  const links = { linkA: join(dir, "gateway"), linkB: join(dir, "boards") };
  let pair: PtyPair | undefined;
  let stopSim: (() => Promise<void>) | undefined;
  let site: LockerSite | undefined;
  const plug = async () => {
    pair = await openPtyPair(links);
    stopSim = await runSimOnPath(boards, links.linkB, line.baudRate);
  };
  const unplug = async () => {
    await stopSim?.();
    stopSim = undefined;
    await pair?.close(); // SIGTERM to socat's pid: both ends vanish
    pair = undefined;
  };
  const close = async () => {
    await site?.close();
    await unplug();
    boards.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await plug();
    site = await startLockerSite({
      simulate: false,
      ...(locker ? { locker } : {}),
      buses: [
        {
          id: "bus-a",
          path: links.linkA,
          protocol: line.protocol,
          baudRate: line.baudRate,
          pollIntervalMs: 50,
          devices: line.devices,
        },
      ],
    });
    const s = site;
    await waitUntil(async () => (await s.health()).status === 200, 20_000, "healthy");
    const sync = await s.command("courier.codes.set", {
      id: `cmd-couriers-${Date.now()}`,
      args: { couriers: [PTY_COURIER] },
      expiresAt: new Date(Date.now() + 60_000).toISOString(),
    });
    expect(sync).toMatchObject({ status: "ok", result: { count: 1 } });
  } catch (err) {
    await close();
    throw err;
  }
  return { site, boards, links, unplug, replug: plug, close };
}
