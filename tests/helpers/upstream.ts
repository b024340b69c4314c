/**
 * Upstream ("platform") brokers for tests: aedes in-process, or Mosquitto as a separate process.
 * In CI (CI=true) a missing mosquitto binary is an error, not a skip.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Aedes } from "aedes";
import mqtt, { type MqttClient } from "mqtt";

export interface Upstream {
  url: string;
  port: number;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", () => r()));
  const a = s.address();
  const port = typeof a === "object" && a ? a.port : 0;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

export interface GatedUpstream extends Upstream {
  /** Let the held clients in. */
  release(): void;
}

/**
 * aedes that holds the CONNECT of clients whose id starts with `holdPrefix` (the gateway's, "qh-")
 * until release(): a test connects its platform consumer first, so nothing is published before
 * anyone listens, whatever the reconnect timing.
 */
export async function startGatedAedes(port: number, holdPrefix = "qh-"): Promise<GatedUpstream> {
  let release = () => {};
  const gate = new Promise<void>((r) => {
    release = r;
  });
  const up = await startAedes(port, (aedes) => {
    aedes.authenticate = (client, _u, _p, done) => {
      if (client.id.startsWith(holdPrefix)) gate.then(() => done(null, true));
      else done(null, true);
    };
  });
  return { ...up, release };
}

export async function startAedes(port = 0, setup?: (aedes: Aedes) => void): Promise<Upstream> {
  const aedes = await Aedes.createBroker({ heartbeatInterval: 60_000, maxClientsIdLength: 128 });
  setup?.(aedes);
  const server: Server = createServer(aedes.handle);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  const a = server.address();
  const bound = typeof a === "object" && a ? a.port : port;
  return {
    url: `mqtt://127.0.0.1:${bound}`,
    port: bound,
    stop: async () => {
      await new Promise<void>((r) => aedes.close(() => r()));
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

export function mosquittoPath(): string | undefined {
  for (const p of ["/usr/sbin/mosquitto", "/usr/bin/mosquitto", "/usr/local/sbin/mosquitto"]) {
    if (spawnSync("test", ["-x", p]).status === 0) return p;
  }
  return undefined;
}

/** True when Mosquitto tests must run: the binary is present, or we are in CI (where absence fails). */
export function mosquittoRequired(): boolean {
  return process.env.CI === "true" || mosquittoPath() !== undefined;
}

export async function startMosquitto(port?: number): Promise<Upstream & { proc: ChildProcess }> {
  const bin = mosquittoPath();
  if (!bin) throw new Error("mosquitto is not installed (apt-get install -y mosquitto); CI requires it");
  const p = port ?? (await freePort());
  const dir = mkdtempSync(join(tmpdir(), "qh-mosq-"));
  const conf = join(dir, "mosquitto.conf");
  writeFileSync(
    conf,
    `listener ${p} 127.0.0.1\nallow_anonymous true\npersistence false\nmax_inflight_messages 0\nmax_queued_messages 0\n`,
  );
  const proc = spawn(bin, ["-c", conf], { stdio: ["ignore", "ignore", "pipe"] });
  // wait until it accepts connections
  const url = `mqtt://127.0.0.1:${p}`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      const c = await connectClient(url, {});
      await c.endAsync();
      break;
    } catch (err) {
      if (Date.now() > deadline || proc.exitCode !== null)
        throw new Error(`mosquitto did not start: ${String(err)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return {
    url,
    port: p,
    proc,
    stop: async () => {
      if (proc.exitCode !== null) return;
      const gone = new Promise((r) => proc.once("exit", r));
      proc.kill("SIGTERM");
      await gone;
    },
  };
}

export function connectClient(url: string, opts: mqtt.IClientOptions): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    // a device's client id is bound to its username (docs/contract.md): default to it
    const clientId = opts.clientId ?? opts.username;
    const c = mqtt.connect(url, {
      reconnectPeriod: 0,
      connectTimeout: 5000,
      ...(clientId ? { clientId } : {}),
      ...opts,
    });
    c.once("connect", () => resolve(c));
    c.once("error", (err) => {
      c.end(true);
      reject(err);
    });
    c.once("close", () => reject(new Error("closed before connect")));
  });
}

export interface Envelope {
  id: string;
  seq: number;
  ts: string;
  gw: string;
  device: string;
  type: string;
  data: Record<string, unknown>;
}

/** A platform-side consumer: subscribes to R/# and collects what arrives. */
export class Platform {
  events: Envelope[] = [];
  messages: { topic: string; payload: string; retain: boolean }[] = [];
  private waiters: (() => void)[] = [];

  private constructor(readonly client: MqttClient) {}

  static async connect(url: string, filter = "qh/#"): Promise<Platform> {
    const client = await connectClient(url, { clientId: `platform-${Math.random().toString(16).slice(2)}` });
    const p = new Platform(client);
    client.on("message", (topic, payload, packet) => {
      const text = payload.toString();
      p.messages.push({ topic, payload: text, retain: packet.retain });
      if (topic.endsWith("/events")) p.events.push(...(JSON.parse(text) as Envelope[]));
      else if (/\/dev\/[^/]+\/evt\//.test(topic)) p.events.push(JSON.parse(text) as Envelope);
      for (const w of p.waiters) w();
    });
    await client.subscribeAsync(filter, { qos: 1 });
    return p;
  }

  /** Resolves when pred() holds; rejects after timeoutMs with what was seen. */
  waitFor(pred: () => boolean, timeoutMs = 20_000, what = "condition"): Promise<void> {
    if (pred()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = () => {
        if (pred()) {
          clearTimeout(t);
          this.waiters = this.waiters.filter((w) => w !== check);
          resolve();
        }
      };
      const t = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== check);
        reject(
          new Error(
            `timed out waiting for ${what}: ${this.events.length} events, ${this.messages.length} messages`,
          ),
        );
      }, timeoutMs);
      this.waiters.push(check);
    });
  }

  topic(t: string) {
    return this.messages.filter((m) => m.topic === t);
  }

  async close(): Promise<void> {
    await this.client.endAsync(true);
  }
}

export async function waitUntil(
  pred: () => boolean | Promise<boolean>,
  timeoutMs = 20_000,
  what = "condition",
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await pred())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
