/**
 * The embedded device broker (aedes). Devices publish under `dev/{id}/…` (docs/contract.md).
 *
 * Two facts about aedes 1.x decide this file:
 *  - For QoS 1, aedes writes the PUBACK right after `authorizePublish` calls back, and it reads the
 *    socket again only once every packet of the last read has called back. So a device's QoS 1
 *    event is handed on to aedes as QoS 0 at once (reading goes on) and its PUBACK is written by
 *    puback-queue.ts, in arrival order, once ingest's group commit and its fdatasync hold it.
 *  - An error passed to that callback closes the connection. MQTT 3.1.1 has no negative ack for a
 *    PUBLISH (MQTT-3.3.5-2: acknowledge normally, or close), so a bad payload is acknowledged and
 *    dropped (counted per device and reason), and the device stays connected.
 * Everything a device publishes is consumed here: the packet's topic is rewritten to an internal
 * sink so aedes never routes a device's publish to another device.
 */
import { createServer, type Server, type Socket } from "node:net";
import { Aedes, type Client, type PublishPacket, type Subscription } from "aedes";
import type { Registry } from "prom-client";
import { DEVICE_ID_RE, type JsonObject, type Metrics } from "../../core/envelope.js";
import { isQhError } from "../../core/errors.js";
import type { Logger } from "../../core/logger.js";
import { counter, gauge } from "../../core/metrics.js";
import type { Ingest } from "../../pipeline/ingest.js";
import type { Credentials } from "../../store/credentials.js";
import { parseDeviceTopic } from "../../uplink/topics.js";
import {
  AuthBackoff,
  type BackoffOptions,
  CONNACK_CODE,
  clientIdAllowed,
  type IdentityRules,
  identityRefusal,
  RefusalLogBudget,
  type RefusalReason,
} from "./admission.js";
import { gateSocket, PACKET_OVERHEAD_BYTES } from "./frame-gate.js";
import { ownPuback, type PubackQueue } from "./puback-queue.js";
import { checkPublish, type DropReason } from "./publish-check.js";
import { EventRateGuard, type RateLimitOptions } from "./rate-limit.js";

export const SINK = "$SYS/qh/consumed";

type AedesPublish = (packet: PublishPacket, client: Client | null, done?: (err?: Error) => void) => void;

/**
 * A consumed publish (its topic rewritten to SINK) has nobody to reach: after `authorizePublish`,
 * aedes would still route it (a packet copy, its publish steps, a topic match with no subscriber),
 * about 4 % of the event loop per event under load (docs/performance.md, seventh pass). Every other
 * publish (the gateway's commands, aedes's own $SYS notices, wills) goes through aedes as before.
 * Runtime form of aedes 1.x `publish(packet, client, done)` (lib/handlers/publish.js calls it so).
 */
export function skipSinkRouting(aedes: Aedes): void {
  const broker = aedes as unknown as { publish: AedesPublish };
  const route = broker.publish.bind(aedes);
  broker.publish = (packet, client, done) => {
    if (packet.topic !== SINK) {
      route(packet, client, done);
      return;
    }
    // the packet is answered by ingest (its own PUBACK): nothing of it is stored or delivered here
    (typeof client === "function" ? (client as (err?: Error) => void) : done)?.();
  };
}

export { DROP_REASON_TEXT, type DropReason } from "./publish-check.js";

export interface DeviceBrokerOptions {
  host: string;
  port: number;
  maxPayload: number;
  /** per-device fairness on business events (rate-limit.ts); none when absent */
  eventRate?: RateLimitOptions;
  credentials: Credentials;
  ingest: Ingest;
  onTelemetry: (device: string, metrics: Metrics) => void;
  onState: (device: string, doc: JsonObject) => void;
  onCommandResult: (device: string, commandId: string, payload: JsonObject) => void;
  /** a device's answer on its own `dev/{id}/cmd-result/{commandId}` was dropped (reason) */
  onCommandResultRefused?: (device: string, commandId: string, reason: DropReason) => void;
  onPresence?: (device: string, online: boolean) => void;
  /** who may connect (from the config: declared MQTT devices, serial ids, allowUndeclared) */
  identity: IdentityRules;
  /** failed-password back-off settings (tests) */
  backoff?: BackoffOptions;
  log: Logger;
  registry: Registry;
}

interface DeviceClient extends Client {
  qhDevice?: string;
  /** the connection's QoS 1 PUBACKs, written in arrival order once durable (puback-queue.ts) */
  qhPubacks?: PubackQueue;
}

export class DeviceBroker {
  private aedes: Aedes | undefined;
  private server: Server | undefined;
  private readonly mDropped;
  private readonly mConnected;
  private readonly mAuthFail;
  private readonly mRefused;
  private readonly mHashes;
  /** device id → its live connections */
  private readonly online = new Map<string, Set<Client>>();
  private readonly backoff: AuthBackoff;
  private readonly refusalLog = new RefusalLogBudget();
  private readonly rules: IdentityRules;
  private readonly limiter: EventRateGuard | undefined;

  constructor(private readonly o: DeviceBrokerOptions) {
    this.mDropped = counter(o.registry, "qh_device_payloads_rejected_total", "Device publishes dropped", [
      "device",
      "reason",
    ]);
    this.mConnected = gauge(o.registry, "qh_devices_connected", "MQTT devices connected");
    this.mAuthFail = counter(o.registry, "qh_device_auth_failures_total", "Refused device connections");
    this.mRefused = counter(
      o.registry,
      "qh_device_connects_refused_total",
      "Refused device connections by reason",
      ["reason"],
    );
    this.mHashes = counter(
      o.registry,
      "qh_device_secret_checks_total",
      "Device passwords checked with scrypt (not counting reconnects recognised without it)",
    );
    this.limiter = o.eventRate && new EventRateGuard(o.eventRate, o.registry, o.log);
    this.backoff = new AuthBackoff(o.backoff);
    this.rules = o.identity;
    if (this.rules.allowUndeclared)
      o.log.warn(
        "deviceBroker.allowUndeclaredDevices is true: provisioned devices not declared in the config may connect",
      );
  }

  get port(): number {
    const a = this.server?.address();
    return typeof a === "object" && a ? a.port : this.o.port;
  }

  isOnline(device: string): boolean {
    return (this.online.get(device)?.size ?? 0) > 0;
  }

  /**
   * End every live connection of a device (revocation: `device remove`). Returns how many were
   * closed; each is gone (and presence updated) when this resolves.
   */
  async disconnectDevice(device: string): Promise<number> {
    const conns = [...(this.online.get(device) ?? [])];
    await Promise.all(conns.map((c) => new Promise<void>((resolve) => c.close(() => resolve()))));
    if (conns.length > 0)
      this.o.log.warn({ device, connections: conns.length }, "device revoked: disconnected");
    return conns.length;
  }

  private refuse(
    reason: RefusalReason,
    fields: Record<string, unknown>,
    cb: (err: (Error & { returnCode: number }) | null, ok: boolean) => void,
  ): void {
    this.mAuthFail.inc();
    this.mRefused.inc({ reason });
    // a flood is counted, not logged line by line: back-off and busy never, the others within a budget
    const logged = reason === "backoff" || reason === "busy" ? undefined : this.refusalLog.take(reason);
    if (logged) this.o.log.warn({ ...fields, reason, ...logged }, "device refused");
    cb(
      Object.assign(new Error(`connection refused: ${reason}`), { returnCode: CONNACK_CODE[reason] }),
      false,
    );
  }

  /** Why a password was refused, for the log: no credential at all, or a wrong one. */
  private wrongPasswordWhy(id: string): string | undefined {
    try {
      return this.o.credentials.get(id)
        ? "the password does not match the device's credential"
        : `no credential for ${id}: provision it with \`quarterhour device add ${id}\``;
    } catch {
      return undefined; // the store cannot be read now: its own fault is reported elsewhere
    }
  }

  /** The checks that need no hashing, in order; undefined: the password must be checked. */
  private cheapChecks(
    clientId: string,
    id: string,
    secret: string,
    address: string,
  ): { reason: RefusalReason; why?: string } | "recognised" | undefined {
    if (!DEVICE_ID_RE.test(id) || secret.length === 0) return { reason: "bad_credentials" };
    if (!clientIdAllowed(clientId, id))
      return { reason: "client_id", why: `client id must be ${id} or ${id}.{suffix}` };
    const denied = identityRefusal(this.rules, id);
    if (denied) return { reason: denied.reason, why: denied.message };
    if (this.o.credentials.recognised(id, secret)) return "recognised";
    const wait = this.backoff.check(address, id);
    return wait ? { reason: wait } : undefined;
  }

  /**
   * Admission, cheapest checks first; scrypt runs only for a declared device on its own client id,
   * from an address and for a username not backing off, within the global hash budget.
   */
  private authenticate(
    c: DeviceClient,
    id: string,
    secret: string,
    cb: (err: (Error & { returnCode: number }) | null, ok: boolean) => void,
  ): void {
    const address = (c.conn as { remoteAddress?: string } | undefined)?.remoteAddress ?? "unknown";
    const accept = () => {
      c.qhDevice = id;
      if (!this.rules.mqtt.has(id))
        this.o.log.warn({ device: id }, "undeclared device admitted (deviceBroker.allowUndeclaredDevices)");
      cb(null, true);
    };
    const denied = this.cheapChecks(c.id, id, secret, address);
    if (denied === "recognised") {
      accept();
      return;
    }
    if (denied) {
      this.refuse(denied.reason, { device: id, clientId: c.id, address, why: denied.why }, cb);
      return;
    }
    this.mHashes.inc();
    this.o.credentials.verify(id, secret).then(
      (rec) => {
        if (rec) {
          this.backoff.succeed(address, id);
          accept();
          return;
        }
        const blockedMs = this.backoff.fail(address, id);
        if (blockedMs > 0)
          this.o.log.warn(
            { device: id, address, blockedMs },
            "repeated wrong passwords: address backing off",
          );
        // the installer's most common mistake is a declared device never provisioned: say which
        this.refuse("wrong_credentials", { device: id, address, why: this.wrongPasswordWhy(id) }, cb);
      },
      (err: Error) => cb(Object.assign(err, { returnCode: 3 as const }), false),
    );
  }

  async start(): Promise<void> {
    const aedes = await Aedes.createBroker({ heartbeatInterval: 60_000, maxClientsIdLength: 128 });
    this.aedes = aedes;
    aedes.authenticate = (client, username, password, cb) =>
      this.authenticate(client as DeviceClient, username ?? "", password ? password.toString() : "", cb);
    aedes.authorizeSubscribe = (client, sub: Subscription, cb) => {
      const dev = (client as DeviceClient).qhDevice;
      if (!dev || !(sub.topic === `dev/${dev}/#` || sub.topic.startsWith(`dev/${dev}/`))) {
        this.o.log.warn({ device: dev, topic: sub.topic }, "subscription outside the device's scope refused");
        // MQTT-3.9.3: a SUBACK return code 0x80 refuses one subscription and keeps the connection.
        cb(null, null as unknown as Subscription);
        return;
      }
      cb(null, sub);
    };
    aedes.authorizePublish = (client, packet, cb) =>
      this.onPublish(client as DeviceClient | null, packet, cb);
    skipSinkRouting(aedes);
    // Presence follows connections: a device is online while at least one of its connections is.
    aedes.on("client", (client) => {
      const dev = (client as DeviceClient).qhDevice;
      if (!dev) return;
      const conns = this.online.get(dev) ?? new Set<Client>();
      conns.add(client);
      this.online.set(dev, conns);
      this.mConnected.set(this.online.size);
      this.o.log.info({ device: dev, clientId: client.id, connections: conns.size }, "device connected");
      if (conns.size === 1) this.o.onPresence?.(dev, true);
    });
    aedes.on("clientDisconnect", (client) => {
      const dev = (client as DeviceClient).qhDevice;
      const conns = dev === undefined ? undefined : this.online.get(dev);
      if (!dev || !conns?.delete(client)) return;
      this.o.log.info({ device: dev, clientId: client.id, connections: conns.size }, "device disconnected");
      if (conns.size > 0) return;
      this.online.delete(dev);
      this.mConnected.set(this.online.size);
      this.o.onPresence?.(dev, false);
    });
    this.server = createServer((socket) => this.handleSocket(aedes, socket));
    await new Promise<void>((resolve, reject) => {
      this.server!.once("error", reject);
      this.server!.listen(this.o.port, this.o.host, () => resolve());
    });
    this.o.log.info({ host: this.o.host, port: this.port }, "device broker listening");
  }

  /** Hand a connection to aedes behind the framing gate (frame-gate.ts). */
  private handleSocket(aedes: Aedes, socket: Socket): void {
    const client = aedes.handle(socket) as DeviceClient;
    gateSocket(socket, this.o.maxPayload + PACKET_OVERHEAD_BYTES, (r) => {
      this.mRefused.inc({ reason: "oversize_packet" });
      this.o.log.warn(
        {
          address: socket.remoteAddress ?? "unknown",
          device: client.qhDevice,
          packetType: r.type,
          announcedBytes: r.length,
          limitBytes: r.limit,
        },
        r.length === undefined
          ? "device connection closed: malformed packet length"
          : "device connection closed: packet larger than allowed",
      );
    });
  }

  private drop(
    device: string,
    reason: DropReason,
    topic: string,
    packet: PublishPacket,
    cb: (e: Error | null) => void,
  ) {
    this.mDropped.inc({ device, reason });
    this.o.log.warn({ device, reason, topic, bytes: packet.payload.length }, "device publish dropped");
    this.sink(packet);
    cb(null);
    // a refused answer still ends the command it answers (the platform gets a coded failure)
    const t = parseDeviceTopic(topic);
    if (t?.kind === "cmd-result" && t.device === device)
      this.o.onCommandResultRefused?.(device, t.commandId, reason);
  }

  private sink(packet: PublishPacket): void {
    packet.topic = SINK;
    packet.retain = false;
  }

  /** A device's PUBLISH; at QoS 1 its PUBACK is the connection's PubackQueue's (puback-queue.ts). */
  private onPublish(client: DeviceClient | null, packet: PublishPacket, cb: (e: Error | null) => void): void {
    if (!client?.qhDevice || packet.qos !== 1) this.handlePublish(client, packet, cb);
    else ownPuback(client, packet, cb, (done, readOn) => this.handlePublish(client, packet, done, readOn));
  }

  /**
   * Check and consume a device's PUBLISH; `cb` answers it (null: acknowledge). `readOn`, when
   * given, is called once an event is handed to ingest (its answer comes after its fdatasync).
   */
  private handlePublish(
    client: DeviceClient | null,
    packet: PublishPacket,
    cb: (e: Error | null) => void,
    readOn?: () => void,
  ): void {
    const dev = client?.qhDevice;
    if (!dev) {
      // wills of clients that never authenticated, or internal publishes: consume silently
      this.sink(packet);
      cb(null);
      return;
    }
    const topic = packet.topic;
    const c = checkPublish(dev, topic, packet.payload as Buffer, this.o.maxPayload);
    if (typeof c === "string") {
      this.drop(dev, c, topic, packet, cb);
      return;
    }
    const { t, text, value } = c;
    switch (t.kind) {
      case "evt": {
        if (!this.o.ingest.typeAllowed(dev, t.type)) {
          this.drop(dev, "too_many_types", topic, packet, cb);
          return;
        }
        this.sink(packet);
        const limited = this.limiter?.refusal(dev);
        if (limited) {
          cb(limited); // not acknowledged, the connection closed (MQTT-3.3.5-2)
          return;
        }
        // The PUBACK waits for the group commit: durable before acknowledged.
        this.o.ingest.acceptRaw(dev, t.type, text, undefined, (err) => {
          if (err) {
            // Cannot keep the promise (disk full, shutting down): close rather than ack (MQTT-3.3.5-2).
            this.o.log.error(
              { device: dev, err: err.message, code: isQhError(err) ? err.code : undefined },
              "event refused",
            );
            cb(err);
            return;
          }
          cb(null);
        });
        readOn?.();
        return;
      }
      case "tele": {
        const metrics = value as Record<string, unknown>;
        for (const k in metrics) {
          const v = metrics[k];
          const ok =
            typeof v === "number"
              ? Number.isFinite(v)
              : typeof v === "boolean" || (typeof v === "string" && v.length <= 256);
          if (!ok) {
            this.drop(dev, "bad_metrics", topic, packet, cb);
            return;
          }
        }
        this.sink(packet);
        cb(null);
        this.o.onTelemetry(dev, metrics as Metrics);
        return;
      }
      case "state": {
        this.sink(packet);
        cb(null);
        // `ts`, `device` and `online` are the gateway's to say (its clock, the authenticated id,
        // the live connections): a device's document cannot claim another identity or presence
        const { ts: _ts, device: _device, online: _online, ...doc } = value as JsonObject;
        this.o.onState(dev, { ...doc, online: true });
        return;
      }
      case "cmd-result":
        this.sink(packet);
        cb(null);
        this.o.onCommandResult(dev, t.commandId, value as JsonObject);
        return;
      case "cmd": // commands flow gateway → device only
        {
          this.drop(dev, "bad_topic", topic, packet, cb);
          return;
        }
    }
  }

  /** Send a command to a connected device: `dev/{id}/cmd/{name}` at QoS 1. */
  sendCommand(device: string, name: string, body: JsonObject): Promise<void> {
    const aedes = this.aedes;
    if (!aedes) return Promise.reject(new Error("device broker not started"));
    return new Promise((resolve, reject) =>
      aedes.publish(
        {
          cmd: "publish",
          topic: `dev/${device}/cmd/${name}`,
          payload: Buffer.from(JSON.stringify(body)),
          qos: 1,
          retain: false,
          dup: false,
        },
        (err?: Error) => (err ? reject(err) : resolve()),
      ),
    );
  }

  async stop(): Promise<void> {
    const aedes = this.aedes;
    const server = this.server;
    if (aedes) await new Promise<void>((resolve) => aedes.close(() => resolve()));
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
    this.aedes = undefined;
    this.server = undefined;
  }
}
