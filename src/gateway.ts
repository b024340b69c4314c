/**
 * The composition root: the only file that wires concrete parts together.
 *
 *  serial frame ─► framer ─► codec.decode ─► driver (device model) ─┐
 *  device MQTT publish ─► device broker (auth, ACL, size, JSON) ────┤
 *  kiosk / API action ─► domain service (locker) ───────────────────┤
 *                                                                   ▼
 *                      ingest: one SQLite transaction per loop turn
 *                      (assign seq, insert events) ─► release acks
 *                                                                   ▼
 *                      forwarder: window of QoS 1 publishes ─► upstream broker
 *                      PUBACK ─► mark delivered (batched) ─► retention/replay
 *  upstream command ─► command router (signature, ledger, expiry) ─► domain / driver ─► result
 */
import { readFileSync } from "node:fs";
import type { FastifyInstance, FastifyPluginAsync } from "fastify";
import { collectDefaultMetrics, Registry } from "prom-client";
import { buildApp } from "./api/app.js";
import { infoPlugin } from "./api/info.js";
import type { Config } from "./config/schema.js";
import { type Clock, systemClock } from "./core/clock.js";
import type { CommandHandler } from "./core/command.js";
import type { EventSink, JsonObject, Metrics } from "./core/envelope.js";
import { QhError } from "./core/errors.js";
import { newId } from "./core/ids.js";
import type { Logger } from "./core/logger.js";
import { gauge } from "./core/metrics.js";
import { Forwarder } from "./pipeline/forwarder.js";
import { Ingest } from "./pipeline/ingest.js";
import { DeviceBroker } from "./southbound/mqtt/device-broker.js";
import { Credentials } from "./store/credentials.js";
import { type Db, dbFile, openDatabase } from "./store/db.js";
import { DeviceStateTable } from "./store/device-state.js";
import { type DiskLevel, diskLevel } from "./store/disk.js";
import { Ledger } from "./store/ledger.js";
import { Outbox } from "./store/outbox.js";
import { TelemetryBuffer } from "./store/telemetry-buffer.js";
import { builtinCommands, DeviceCommandRelay } from "./uplink/builtin-commands.js";
import { CommandRouter } from "./uplink/command-router.js";
import { UplinkConnection } from "./uplink/connection.js";
import { EmbeddedUplinkBroker } from "./uplink/embedded-broker.js";
import { parseCommandKey } from "./uplink/signature.js";
import { UplinkTopics } from "./uplink/topics.js";

export const VERSION: string = (
  JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }
).version;

/** What a domain package (locker, later cold chain and vending) gets to plug itself in. */
export interface ExtensionContext {
  config: Config;
  db: Db;
  events: EventSink;
  state: (device: string, doc: JsonObject) => void;
  telemetry: (device: string, metrics: Metrics) => void;
  clock: Clock;
  log: Logger;
  registry: Registry;
  dataDir: string;
}

export interface Extension {
  name: string;
  commands?: Record<string, CommandHandler>;
  apiPlugins?: FastifyPluginAsync[];
  problems?: () => string[];
  /** secrets the platform needs once: removed from the outbox once the event is delivered */
  scrubAfterDelivery?: { type: string; path: string }[];
  start?: () => Promise<void>;
  stop?: () => Promise<void>;
}

export type ExtensionFactory = (ctx: ExtensionContext) => Extension | Promise<Extension>;

export interface GatewayOptions {
  config: Config;
  log: Logger;
  clock?: Clock;
  extensions?: ExtensionFactory[];
  /** test hook: pretend this many bytes are free on the data disk */
  freeBytesOverride?: () => number | undefined;
}

export interface Gateway {
  readonly config: Config;
  readonly registry: Registry;
  readonly ingest: Ingest;
  readonly forwarder: Forwarder;
  readonly router: CommandRouter;
  readonly credentials: Credentials;
  readonly db: Db;
  readonly api: FastifyInstance;
  readonly deviceBrokerPort: number;
  readonly apiPort: number;
  readonly uplinkUrl: string;
  readonly bootId: string;
  stop(): Promise<void>;
}

export async function startGateway(o: GatewayOptions): Promise<Gateway> {
  const { config, log } = o;
  const clock = o.clock ?? systemClock;
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "qh_process_" });
  const bootId = newId();
  const startedAt = new Date(clock.now()).toISOString();

  const file = dbFile(config.dataDir);
  // refuses a missing, damaged or unwritable store with a coded error (the CLI exits 3)
  const db = openDatabase({
    dataDir: config.dataDir,
    synchronous: config.store.synchronous,
    check: (r) => log.info({ file, ms: Math.round(r.ms) }, "store checked (quick_check ok)"),
  });
  const outbox = new Outbox(db);
  const credentials = new Credentials(db);
  const ledger = new Ledger(db);
  const states = new DeviceStateTable(db);
  const teleBuf = new TelemetryBuffer(db, config.store.telemetryMaxRows);

  // ---- disk watermark ------------------------------------------------------------------------
  let disk: DiskLevel = "ok";
  const mDisk = gauge(registry, "qh_disk_level", "0 ok, 1 low (telemetry refused), 2 full (events refused)");
  const checkDisk = () => {
    const r = diskLevel(
      {
        dataDir: config.dataDir,
        dbFile: file,
        quotaMb: config.store.diskQuotaMb,
        lowDiskMb: config.store.lowDiskMb,
      },
      o.freeBytesOverride?.(),
    );
    if (r.level !== disk)
      log.warn(
        { level: r.level, freeMb: Math.round(r.freeMb), dbMb: Math.round(r.dbMb) },
        "disk level changed",
      );
    disk = r.level;
    mDisk.set(disk === "ok" ? 0 : disk === "low" ? 1 : 2);
    if (disk !== "ok" && teleBuf.size > 0) teleBuf.clear();
  };
  checkDisk();

  // ---- uplink ----------------------------------------------------------------------------------
  let embedded: EmbeddedUplinkBroker | undefined;
  let uplinkUrl = config.uplink.url;
  if (uplinkUrl === "embedded") {
    embedded = new EmbeddedUplinkBroker("127.0.0.1", config.uplink.embeddedPort);
    await embedded.start();
    uplinkUrl = embedded.url;
    log.info(
      { url: uplinkUrl },
      "embedded platform broker listening (watch: mosquitto_sub -p PORT -t 'qh/#' -v)",
    );
  }
  const topics = new UplinkTopics(config.uplink.topicPrefix, config.gateway.id);
  const conn = new UplinkConnection({
    url: uplinkUrl,
    clientId: config.uplink.clientId ?? `qh-${config.gateway.id}`,
    username: config.uplink.username,
    password: config.uplink.password,
    tls: config.uplink.tls,
    reconnect: config.uplink.reconnect,
    topics,
    statusInfo: { version: VERSION, bootId, startedAt },
    log: log.child({ component: "uplink" }),
  });

  // ---- the hot loop --------------------------------------------------------------------------
  let forwarder: Forwarder | undefined;
  const ingest = new Ingest({
    db,
    outbox,
    gatewayId: config.gateway.id,
    clock,
    registry,
    onCommitted: (rows) => forwarder?.onCommitted(rows),
    refuse: () =>
      disk === "full"
        ? new QhError("QH_STORE_FULL", "disk quota reached: business events are refused")
        : undefined,
  });
  const fwd = new Forwarder({
    db,
    outbox,
    telemetry: teleBuf,
    states,
    conn,
    topics,
    clock,
    log: log.child({ component: "forwarder" }),
    registry,
    maxEvents: config.uplink.batch.maxEvents,
    window: config.uplink.window,
    lastSeq: () => ingest.lastSeq,
    telemetryRefused: () => disk !== "ok",
  });
  forwarder = fwd;

  // ---- commands ------------------------------------------------------------------------------
  const router = new CommandRouter({
    ledger,
    clock,
    log: log.child({ component: "commands" }),
    registry,
    commandKey: config.uplink.commandKey ? parseCommandKey(config.uplink.commandKey) : undefined,
    publishResult: (r) => conn.publish(topics.cmdResult(r.id), JSON.stringify(r), 1, false),
  });
  conn.on("message", (topic, payload) => {
    const name = topics.commandName(topic);
    if (!name) return;
    router
      .handleMessage(name, payload)
      .catch((err: Error) => log.error({ err: err.message }, "command failed"));
  });

  // ---- device broker -------------------------------------------------------------------------
  let relay: DeviceCommandRelay | undefined;
  const broker = new DeviceBroker({
    host: config.deviceBroker.host,
    port: config.deviceBroker.port,
    maxPayload: config.deviceBroker.maxPayload,
    credentials,
    ingest,
    onTelemetry: (d, m) => fwd.telemetry(d, m),
    onState: (d, doc) => fwd.state(d, doc),
    onCommandResult: (d, id, p) => {
      relay?.onResult(d, id, p);
    },
    onPresence: (d, online) => fwd.presence(d, online),
    log: log.child({ component: "device-broker" }),
    registry,
  });
  relay = new DeviceCommandRelay(
    (d, name, body) => broker.sendCommand(d, name, body),
    (d) => broker.isOnline(d),
  );
  router.registerAll(
    builtinCommands({
      version: VERSION,
      bootId,
      gatewayId: config.gateway.id,
      clock,
      replay: (a, b, n) => fwd.replay(a, b, n),
      lastSeq: () => ingest.lastSeq,
      deviceCommands: relay,
    }),
  );

  // ---- extensions (domain packages) ----------------------------------------------------------
  const ctx: ExtensionContext = {
    config,
    db,
    events: ingest,
    state: (d, doc) => fwd.state(d, doc),
    telemetry: (d, m) => fwd.telemetry(d, m),
    clock,
    log,
    registry,
    dataDir: config.dataDir,
  };
  const extensions: Extension[] = [];
  try {
    for (const f of o.extensions ?? []) {
      const ext = await f(ctx);
      extensions.push(ext);
      if (ext.commands) router.registerAll(ext.commands);
    }
  } catch (err) {
    // nothing was started yet but the stand-in broker: leave no open database behind
    if (embedded) await embedded.stop();
    db.close();
    throw err;
  }

  // ---- HTTP ----------------------------------------------------------------------------------
  const api = await buildApp({
    registry,
    token: config.api.token,
    apiPlugins: [
      infoPlugin({
        gatewayId: config.gateway.id,
        site: config.gateway.site,
        version: VERSION,
        bootId,
        startedAt,
        uplinkConnected: () => conn.connected,
        outboxPending: () => fwd.pendingCount,
        lastSeq: () => ingest.lastSeq,
      }),
      ...extensions.flatMap((e) => e.apiPlugins ?? []),
    ],
    health: {
      uplinkConnected: () => conn.connected,
      outboxPending: () => fwd.pendingCount,
      problems: () => [
        ...(disk === "ok" ? [] : [`disk ${disk}`]),
        ...extensions.flatMap((e) => e.problems?.() ?? []),
      ],
    },
  });
  if (!config.api.token)
    log.warn("api.token is not set: /api/v1 is open to anyone who can reach the API port");

  // ---- start, in dependency order ------------------------------------------------------------
  await broker.start();
  for (const e of extensions) await e.start?.();
  await api.listen({ host: config.api.host, port: config.api.port });
  conn.start();

  const retentionMs = config.store.retentionDays * 86_400_000;
  const scrubs = extensions.flatMap((e) => e.scrubAfterDelivery ?? []);
  let scrubbedTo = 0;
  const housekeeping = () => {
    checkDisk();
    let next = scrubbedTo;
    for (const s of scrubs) next = outbox.scrubDelivered(s.type, s.path, scrubbedTo);
    scrubbedTo = next;
  };
  const prune = () => {
    const n = outbox.prune(clock.now() - retentionMs);
    ledger.prune(clock.now() - Math.max(retentionMs, 30 * 86_400_000));
    if (n > 0) log.info({ removed: n }, "retention: delivered events pruned");
  };
  prune();
  const t1 = setInterval(housekeeping, 10_000);
  const t2 = setInterval(prune, 3_600_000);
  t1.unref();
  t2.unref();

  const apiAddr = api.server.address();
  const apiPort = typeof apiAddr === "object" && apiAddr ? apiAddr.port : config.api.port;
  log.info(
    {
      gateway: config.gateway.id,
      version: VERSION,
      bootId,
      deviceBroker: broker.port,
      api: apiPort,
      uplink: uplinkUrl,
    },
    "gateway started",
  );

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      log.info("gateway stopping");
      clearInterval(t1);
      clearInterval(t2);
      await api.close();
      await broker.stop(); // stop accepting
      for (const e of [...extensions].reverse()) await e.stop?.();
      ingest.close(); // flush the last batch: acks released, rows handed to the forwarder
      // give in-flight uplink publishes a moment to be acknowledged
      const deadline = Date.now() + 1500;
      while (conn.connected && fwd.pendingCount > 0 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 25));
      }
      fwd.flushMarks();
      housekeeping();
      await conn.stop(); // offline status
      if (embedded) await embedded.stop();
      teleBuf.flush();
      fwd.close();
      db.close();
      log.info("gateway stopped");
    })();
    return stopping;
  };

  return {
    config,
    registry,
    ingest,
    forwarder: fwd,
    router,
    credentials,
    db,
    api,
    deviceBrokerPort: broker.port,
    apiPort,
    uplinkUrl,
    bootId,
    stop,
  };
}
