/**
 * The composition root: the only file that wires concrete parts together.
 *
 *  serial frame ─► framer ─► codec.decode ─► driver (device model) ─┐
 *  device MQTT publish ─► device broker (auth, ACL, size, JSON) ────┤
 *  kiosk / API action ─► domain service (locker) ───────────────────┤
 *                                                                   ▼
 *                      ingest: one SQLite transaction per loop turn
 *                      (assign seq, insert events) ─► fdatasync of the WAL (libuv pool,
 *                      src/store/wal-sync.ts; checkpoints in a worker) ─► release acks
 *                                                                   ▼
 *                      forwarder: window of QoS 1 publishes ─► upstream broker
 *                      PUBACK ─► mark delivered (batched) ─► retention/replay
 *  upstream command ─► command router (signature, ledger, expiry) ─► domain / driver ─► result
 */
import { mkdirSync, readFileSync } from "node:fs";
import type { FastifyInstance, FastifyPluginAsync } from "fastify";
import { collectDefaultMetrics, Registry } from "prom-client";
import { buildApp, type HealthSource, healthReport } from "./api/app.js";
import type { ApiAuth } from "./api/auth.js";
import { infoPlugin } from "./api/info.js";
import { pagesPlugin } from "./api/pages.js";
import { Provisioning, provisioningPlugins } from "./api/provisioning/index.js";
import { announcePages, siteAuth } from "./api/site-auth.js";
import { loadModels } from "./config/models.js";
import type { Config } from "./config/schema.js";
import { ConfigWriter } from "./config/writer.js";
import { deviceControlHandlers } from "./control/devices.js";
import { startControlServer } from "./control/socket.js";
import type { Clock } from "./core/clock.js";
import type { CommandHandler } from "./core/command.js";
import type { EventInput, EventSink, JsonObject, Metrics } from "./core/envelope.js";
import { QhError } from "./core/errors.js";
import { newId } from "./core/ids.js";
import type { Logger } from "./core/logger.js";
import { checkPortsFree, plannedListeners } from "./core/ports.js";
import { redactUrl } from "./core/redact.js";
import type { SyncReading } from "./core/time-sync.js";
import { TimeKeeper } from "./core/timekeeper.js";
import { LiveHub } from "./domain/commissioning/live.js";
import { modeSummary } from "./domain/site/mode.js";
import type { SiteMode } from "./domain/site/mode-types.js";
import type { LockerLayoutPort } from "./extensions/locker-layout.js";
import { Forwarder } from "./pipeline/forwarder.js";
import { Ingest } from "./pipeline/ingest.js";
import { identityRules } from "./southbound/mqtt/admission.js";
import { DeviceBroker, DROP_REASON_TEXT } from "./southbound/mqtt/device-broker.js";
import { Checkpointer } from "./store/checkpointer.js";
import { ClockStateTable } from "./store/clock-state.js";
import { Credentials } from "./store/credentials.js";
import { type Db, dbFile, journalSizeLimit, openDatabase } from "./store/db.js";
import { DeviceStateTable } from "./store/device-state.js";
import { assertWritable } from "./store/integrity.js";
import { Ledger, ledgerKeepMs } from "./store/ledger.js";
import { acquireDataDirLockWaiting, type DataDirLock } from "./store/lock.js";
import { Outbox } from "./store/outbox.js";
import { StoreKeeper } from "./store/store-keeper.js";
import { TelemetryBuffer } from "./store/telemetry-buffer.js";
import { type SyncFn, WalSync } from "./store/wal-sync.js";
import { builtinCommands, DeviceCommandRelay } from "./uplink/builtin-commands.js";
import { CommandRouter } from "./uplink/command-router.js";
import { UplinkConnection } from "./uplink/connection.js";
import { EmbeddedUplinkBroker } from "./uplink/embedded-broker.js";
import { isPublishedTestKey, parseCommandKey } from "./uplink/signature.js";
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
  /** whether the platform broker is connected now (vending: select-first is denied offline) */
  uplinkConnected?: () => boolean;
  /**
   * Resolves once every write committed before the call is on the disk (an fdatasync of the WAL
   * that started after it completed; at once where commits fsync themselves). Anything that answers
   * "done" about a state it wrote without an event waits for it. Rejects with a coded store error.
   */
  durable: () => Promise<void>;
  /**
   * Publish a request with a deadline (vending's `vend.authorize`) at once on
   * `R/dev/{device}/req/{type}` (QoS 1): `{ id, ts, gw, device, type, data, clock? }`, no `seq`.
   * Not an event: not stored, never replayed, no fsync on its path; useless after its deadline,
   * and its outcome is recorded as a durable event (docs/vending.md "What must be durable").
   * Rejects with QH_VEND_REQUEST_UNSENT when the uplink is not connected. Absent: use `events`.
   */
  request?: (input: EventInput) => Promise<void>;
  /**
   * The live view's taps (src/domain/commissioning/live.ts): committed events, state documents,
   * presence and telemetry as they pass, plus the outbox figures. Read-only.
   */
  live?: { hub: LiveHub; outbox: () => { pending: number; lastSeq: number } };
}

export interface Extension {
  name: string;
  commands?: Record<string, CommandHandler>;
  apiPlugins?: FastifyPluginAsync[];
  problems?: () => string[];
  /** events this vertical committed that wait for the event store, by outbox table (for /health) */
  outboxWaiting?: () => Record<string, number>;
  /** serial devices' presence by device id: true answers, false not, null not polled yet (GET /api/v1/site) */
  presence?: () => Record<string, boolean | null>;
  /** lines for /health `warnings` (true, worth a look, the job goes on) */
  warnings?: () => string[];
  /** secrets the platform needs once: removed from the outbox once the event is delivered */
  scrubAfterDelivery?: { type: string; path: string }[];
  /** the site's service mode (the site extension's, issue 11): into /health and R/status */
  siteMode?: SiteMode;
  start?: () => Promise<void>;
  stop?: () => Promise<void>;
  /** the locker's site layout, applied live by PATCH /api/v1/locker/{bank}/layout (issue 12) */
  lockerLayout?: LockerLayoutPort;
}

export type ExtensionFactory = (ctx: ExtensionContext) => Extension | Promise<Extension>;

export interface GatewayOptions {
  config: Config;
  log: Logger;
  /** the raw clocks the gateway's TimeKeeper reads (default: the system's); a ManualClock in tests */
  clock?: Pick<Clock, "now" | "mono">;
  /** test hook: what the OS says about clock synchronisation (default: probeOsTimeSync) */
  timeSync?: () => Promise<SyncReading>;
  extensions?: ExtensionFactory[];
  /** how to move a listener whose port is taken, by config key (the CLI names its flags) */
  portHint?: (key: string) => string;
  /** test hook: pretend this many bytes are free on the data disk */
  freeBytesOverride?: () => number | undefined;
  /** test hook: housekeeping (disk level, WAL size, scrubs) period, ms (default 10,000) */
  housekeepingMs?: number;
  /** test hook: the WAL's fdatasync (store.fsync background; default fs.fdatasync) */
  walSync?: SyncFn;
  /**
   * The config file changes from the console are saved to (src/config/writer.ts); `base`: read
   * from there until `path` exists (the packaged demo config). Absent: config writes answer 409
   * QH_CONFIG_NO_FILE.
   */
  configFile?: { path: string; base?: string };
  /** test hook: fdatasyncs of the WAL running at once (default 3; 1: one at a time, as before) */
  walSyncOverlap?: number;
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
  /** console sessions and kiosk terminal pairing (src/api/auth.ts) */
  readonly auth: ApiAuth;
  readonly deviceBrokerPort: number;
  readonly apiPort: number;
  readonly uplinkUrl: string;
  readonly bootId: string;
  readonly clock: TimeKeeper;
  stop(): Promise<void>;
}

/**
 * Start the gateway. It first takes the data dir's lock (`gateway.lock`, src/store/lock.ts): a second
 * gateway on the same data dir fails with `QH_STORE_LOCKED` naming the holder's pid, after waiting
 * up to 2 s (a CLI writer holds the lock that long at most).
 */
export async function startGateway(o: GatewayOptions): Promise<Gateway> {
  mkdirSync(o.config.dataDir, { recursive: true });
  assertWritable(o.config.dataDir); // QH_STORE_READONLY naming the dir, before the lock file is tried
  const lock = await acquireDataDirLockWaiting(o.config.dataDir, 2000);
  if (lock.takenOverFrom !== undefined)
    o.log.warn(
      { pid: lock.takenOverFrom, file: lock.file },
      "took over a stale data-dir lock: its holder is gone (killed, or a power cut)",
    );
  try {
    return await startLocked(o, lock);
  } catch (err) {
    lock.release();
    throw err;
  }
}

async function startLocked(o: GatewayOptions, lock: DataDirLock): Promise<Gateway> {
  const { config, log } = o;
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "qh_process_" });

  // every listener's port, before anything is opened or started (QH_PORT_IN_USE names the key)
  await checkPortsFree(plannedListeners(config), o.portHint);

  const file = dbFile(config.dataDir);
  // refuses a missing, damaged or unwritable store with a coded error (the CLI exits 3)
  // store.fsync background (issue 13): commits on the event loop without fsync, made durable by a
  // group fdatasync in libuv's pool (walSync) before anything is acknowledged; checkpoints in a worker
  const background = config.store.synchronous === "FULL" && config.store.fsync === "background";
  const db = openDatabase({
    dataDir: config.dataDir,
    synchronous: config.store.synchronous,
    background,
    journalSizeLimit: journalSizeLimit(config.store.walMaxMb),
    check: (r) => log.info({ file, ms: Math.round(r.ms) }, "store checked (quick_check ok)"),
    log,
  });
  let checkpointer: Checkpointer | undefined;
  let walSync: WalSync | undefined;
  if (background) {
    walSync = new WalSync({
      db,
      dbFile: file,
      sync: o.walSync,
      maxInFlight: o.walSyncOverlap,
      registry,
      onSynced: (walBytes) => checkpointer?.walPast(walBytes > journalSizeLimit(config.store.walMaxMb)),
    });
    // a catch-up checkpoint holds ingest's commits so that the WAL can restart after it
    checkpointer = new Checkpointer(
      file,
      (r) => keeperRef?.noteCheckpoint(r),
      () => ingestRef?.hold() ?? (() => {}),
    );
  }
  const durable = (): Promise<void> => (walSync ? walSync.durable() : Promise.resolve());
  /** Last syncs done, the worker's connection closed: before the main connection closes. */
  const closeBackground = async () => {
    await walSync?.drained();
    walSync?.close();
    await checkpointer?.close();
  };
  // The gateway's clock: step-free, knows whether it is synchronised, never before the high-water
  // mark (started below, once the holders of stored deadlines have subscribed).
  const clock = new TimeKeeper({
    mode: config.clock.synchronized,
    checkMs: config.clock.checkSeconds * 1000,
    source: o.clock,
    probe: o.timeSync,
    store: new ClockStateTable(db),
    log: log.child({ component: "clock" }),
  });
  const bootId = newId(clock.now());
  const startedAt = new Date(clock.now()).toISOString();
  const outbox = new Outbox(db);
  const credentials = new Credentials(db);
  const ledger = new Ledger(db);
  const states = new DeviceStateTable(db);
  const teleBuf = new TelemetryBuffer(db, config.store.telemetryMaxRows);

  // ---- disk watermark, write failures, WAL size (src/store/store-keeper.ts) ----------------------
  let fwdRef: Forwarder | undefined;
  let keeperRef: StoreKeeper | undefined;
  let ingestRef: Ingest | undefined;
  const keeper = new StoreKeeper({
    db,
    dataDir: config.dataDir,
    dbFile: file,
    quotaMb: config.store.diskQuotaMb,
    lowDiskMb: config.store.lowDiskMb,
    walMaxMb: config.store.walMaxMb,
    log: log.child({ component: "store" }),
    registry,
    freeBytesOverride: o.freeBytesOverride,
    onLow: () => {
      if (teleBuf.size > 0) teleBuf.clear();
    },
    onRecovered: () => fwdRef?.flushMarks(),
    evictDelivered: (n) => outbox.evictDelivered(n),
    checkpointer,
    walSync,
  });
  keeperRef = keeper;
  keeper.start();

  // ---- uplink ----------------------------------------------------------------------------------
  let embedded: EmbeddedUplinkBroker | undefined;
  let uplinkUrl = config.uplink.url;
  if (uplinkUrl === "embedded") {
    embedded = new EmbeddedUplinkBroker("127.0.0.1", config.uplink.embeddedPort);
    await embedded.start();
    uplinkUrl = embedded.url;
    const watch = `mosquitto_sub -h 127.0.0.1 -p ${embedded.boundPort} -t '${config.uplink.topicPrefix}/#' -v`;
    log.info({ url: uplinkUrl }, `embedded platform broker listening (watch: ${watch})`);
  }
  const topics = new UplinkTopics(config.uplink.topicPrefix, config.gateway.id);
  const conn = new UplinkConnection({
    url: uplinkUrl,
    clientId: config.uplink.clientId ?? `qh-${config.gateway.id}`,
    username: config.uplink.username,
    password: config.uplink.password,
    tls: config.uplink.tls,
    reconnect: config.uplink.reconnect,
    keepaliveSeconds: config.uplink.keepaliveSeconds,
    topics,
    statusInfo: { version: VERSION, bootId, startedAt },
    statusExtra: () => statusExtra(),
    log: log.child({ component: "uplink" }),
  });

  // R/status's live part (the site mode, issue 11): set once the extensions are built
  let statusExtra: () => JsonObject = () => ({});

  // ---- the hot loop --------------------------------------------------------------------------
  let forwarder: Forwarder | undefined;
  // the live view's taps: a counter check per commit while nobody watches
  const live = new LiveHub((event, err) => log.error({ err, event }, "live view listener failed"));
  const ingest = new Ingest({
    db,
    outbox,
    gatewayId: config.gateway.id,
    clock,
    registry,
    onCommitted: (rows, bytes) => {
      keeper.noteCommitted(bytes);
      forwarder?.onCommitted(rows);
      live.events(rows);
    },
    refuse: (pendingBytes) => keeper.refusal(pendingBytes),
    commitWindowMs: config.store.commitWindowMs,
    sync: walSync,
  });
  ingestRef = ingest;
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
    telemetryRefused: () => keeper.level !== "ok",
  });
  forwarder = fwd;
  fwdRef = fwd;

  // ---- commands ------------------------------------------------------------------------------
  const router = new CommandRouter({
    gatewayId: config.gateway.id,
    ledger,
    clock,
    log: log.child({ component: "commands" }),
    registry,
    commandKey: config.uplink.commandKey ? parseCommandKey(config.uplink.commandKey) : undefined,
    // a result reports what the command wrote (the ledger, a state): on the disk first
    publishResult: (r) =>
      durable().then(
        () => conn.publish(topics.cmdResult(r.id), JSON.stringify(r), 1, false),
        (err: Error) =>
          log.error({ err: err.message, id: r.id }, "command result held back: the store is not durable"),
      ),
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
  const identity = identityRules(config); // its set of MQTT devices changes live (provisioning)
  const broker = new DeviceBroker({
    host: config.deviceBroker.host,
    port: config.deviceBroker.port,
    maxPayload: config.deviceBroker.maxPayload,
    eventRate: {
      ratePerSecond: config.deviceBroker.maxEventsPerSecond,
      burst: config.deviceBroker.eventBurst,
    },
    credentials,
    ingest,
    onTelemetry: (d, m) => {
      fwd.telemetry(d, m);
      live.telemetry(d, m);
    },
    onState: (d, doc) => {
      fwd.state(d, doc);
      live.state(d, doc);
    },
    onCommandResult: (d, id, p) => {
      relay?.onResult(d, id, p);
    },
    onCommandResultRefused: (d, id, reason) => {
      relay?.onRefusedResult(d, id, DROP_REASON_TEXT[reason]);
    },
    onPresence: (d, online) => {
      fwd.presence(d, online);
      live.presence(d, online);
    },
    identity,
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

  // requests with a deadline (vend.authorize): straight to the uplink, no store on their path
  const publishRequest = (e: EventInput): Promise<void> => {
    const at = e.ts ?? clock.now();
    const body = JSON.stringify({
      id: newId(at),
      ts: new Date(at).toISOString(),
      gw: config.gateway.id,
      device: e.device,
      type: e.type,
      data: e.data,
      ...(clock.synced() ? {} : { clock: "unsynced" }),
    });
    return new Promise((resolve, reject) => {
      const sent = conn.publish(topics.request(e.device, e.type), body, 1, false, (err) => {
        if (err) reject(new QhError("QH_VEND_REQUEST_UNSENT", `${e.type} not published: ${err.message}`));
      });
      if (sent) resolve(); // handed to the uplink socket: the PUBACK is not waited for
    });
  };

  // ---- extensions (domain packages) ----------------------------------------------------------
  const ctx: ExtensionContext = {
    config,
    db,
    events: ingest,
    state: (d, doc) => {
      fwd.state(d, doc);
      live.state(d, doc);
    },
    telemetry: (d, m) => {
      fwd.telemetry(d, m);
      live.telemetry(d, m);
    },
    clock,
    log,
    registry,
    dataDir: config.dataDir,
    uplinkConnected: () => conn.connected,
    durable,
    request: (e) => publishRequest(e),
    live: { hub: live, outbox: () => ({ pending: fwd.pendingCount, lastSeq: ingest.lastSeq }) },
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
    keeper.stop();
    await closeBackground();
    db.close();
    throw err;
  }

  // the site mode (issue 11) in /health and R/status, republished on every change
  const siteMode = extensions.find((e) => e.siteMode)?.siteMode;
  if (siteMode) {
    statusExtra = () => ({ mode: modeSummary(siteMode.current()) });
    siteMode.onChange(() => conn.republishStatus());
  }

  // ---- HTTP ----------------------------------------------------------------------------------
  const auth = siteAuth(
    () => config,
    db,
    () => clock.now(),
  );
  /** an fdatasync that has not returned (wal-sync.ts STALL_WARN_MS), at `level` */
  const stalledSync = (level: "warning" | "problem"): string[] => {
    const s = walSync?.stall();
    return s?.level === level ? [s.text] : [];
  };
  const health: HealthSource = {
    uplinkConnected: () => conn.connected,
    uplink: () => conn.health(),
    outboxPending: () => fwd.pendingCount,
    outboxWaiting: () => Object.assign({}, ...extensions.map((e) => e.outboxWaiting?.() ?? {})),
    problems: () => [
      ...keeper.problems(),
      ...(ingest.commitFailure ? [`store failing writes: ${ingest.commitFailure}`] : []),
      ...stalledSync("problem"),
      ...extensions.flatMap((e) => e.problems?.() ?? []),
    ],
    warnings: () => [
      ...stalledSync("warning"),
      ...extensions.flatMap((e) => e.warnings?.() ?? []),
      ...provisioning.warnings(),
    ],
    clock: () => clock.status(),
    ...(siteMode ? { mode: () => modeSummary(siteMode.current()) } : {}),
  };
  const models = loadModels();
  const provisioning = new Provisioning({
    config,
    ...(o.configFile
      ? {
          writer: new ConfigWriter({
            file: o.configFile.path,
            base: o.configFile.base,
            models,
            dataDir: config.dataDir,
          }),
        }
      : {}),
    models,
    lockerLayout: extensions.find((e) => e.lockerLayout)?.lockerLayout,
    credentials,
    broker,
    mqttDeclared: identity.mqtt as Set<string>,
    deviceStates: () => states.all(),
    durable,
    log: log.child({ component: "provisioning" }),
    site: {
      gatewayId: config.gateway.id,
      version: VERSION,
      bootId,
      startedAt,
      health: () => healthReport(health),
      disk: () => ({ level: keeper.level, usedBytes: keeper.usedBytes }),
      terminals: () => auth.terminalList(),
      presence: () => Object.assign({}, ...extensions.map((e) => e.presence?.() ?? {})),
    },
  });
  const api = await buildApp({
    registry,
    version: VERSION,
    token: config.api.token,
    auth,
    hosts: { apiHost: config.api.host, allowedHosts: config.api.allowedHosts },
    trustProxy: config.api.trustProxy,
    whoami: { gateway: config.gateway.id, bootId },
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
      ...provisioningPlugins(provisioning),
      ...extensions.flatMap((e) => e.apiPlugins ?? []),
    ],
    rootPlugins: [pagesPlugin()],
    health,
  });
  if (!config.api.token)
    log.warn("api.token is not set: /api/v1 is open to anyone who can reach the API port");
  // Commands move doors: say loudly when anyone who can publish on the platform broker may send them.
  if (!config.uplink.commandKey && config.uplink.url !== "embedded")
    log.warn(
      "uplink.commandKey is not set: any client that can publish on the platform broker can send commands (doors included); set the platform's Ed25519 key",
    );
  if (config.uplink.commandKey && isPublishedTestKey(config.uplink.commandKey))
    log.error(
      "uplink.commandKey is the published TEST key (docs/contract/v1/command-signature-vectors.json): its private key is public, anyone can sign commands; use the platform's own key",
    );

  // ---- start, in dependency order ------------------------------------------------------------
  await clock.start(); // may re-anchor the extensions' deadlines: before they sweep
  await broker.start();
  const control = await startControlServer(
    config.dataDir,
    deviceControlHandlers({
      config,
      credentials,
      broker,
      log: log.child({ component: "control" }),
      durable,
    }),
    log,
  );
  // the live view never streams a secret the platform gets once (a resident's pickup code)
  live.hide(extensions.flatMap((e) => e.scrubAfterDelivery ?? []));
  for (const e of extensions) await e.start?.();
  await api.listen({ host: config.api.host, port: config.api.port });
  conn.start();

  const retentionMs = config.store.retentionDays * 86_400_000;
  const scrubs = extensions.flatMap((e) => e.scrubAfterDelivery ?? []);
  let scrubbedTo = 0;
  // Housekeeping and retention write too: on a full disk they wait (the store's fault state says
  // why), they never take the process down.
  const guarded = (where: string, fn: () => void) => () => {
    try {
      fn();
    } catch (err) {
      const e = keeper.fault.record(err, where);
      if (e === err) log.error({ err, where }, "housekeeping failed");
    }
  };
  const housekeeping = guarded("housekeeping", () => {
    keeper.check();
    if (keeper.fault.active) return;
    let next = scrubbedTo;
    for (const s of scrubs) next = outbox.scrubDelivered(s.type, s.path, scrubbedTo);
    scrubbedTo = next;
  });
  const prune = guarded("retention", () => {
    const n = outbox.prune(clock.now() - retentionMs);
    ledger.prune(clock.now() - ledgerKeepMs(config.store.retentionDays), clock.now());
    if (n > 0) log.info({ removed: n }, "retention: delivered events pruned");
  });
  prune();
  const t1 = setInterval(housekeeping, o.housekeepingMs ?? 10_000);
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
      uplink: redactUrl(uplinkUrl),
    },
    "gateway started",
  );
  announcePages(auth, config, apiPort, log);

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      log.info("gateway stopping");
      clearInterval(t1);
      clearInterval(t2);
      keeper.stop();
      await api.close();
      await control?.close();
      await broker.stop(); // stop accepting
      for (const e of [...extensions].reverse()) await e.stop?.();
      await ingest.close(); // flush the last batch: acks released, rows handed to the forwarder
      // give in-flight uplink publishes a moment to be acknowledged
      const deadline = Date.now() + 1500;
      while (conn.connected && fwd.pendingCount > 0 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 25));
      }
      fwd.flushMarks();
      housekeeping();
      await conn.stop(); // offline status
      if (embedded) await embedded.stop();
      guarded("telemetry buffer", () => teleBuf.flush())();
      fwd.close();
      clock.stop(); // the high-water mark, one last time
      await closeBackground();
      db.close();
      lock.release();
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
    auth,
    deviceBrokerPort: broker.port,
    apiPort,
    uplinkUrl,
    bootId,
    clock,
    stop,
  };
}
