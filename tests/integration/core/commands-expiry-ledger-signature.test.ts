import { createPrivateKey, generateKeyPairSync, type KeyObject, sign } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { QhError } from "../../../src/core/errors.js";
import { canonicalJson } from "../../../src/uplink/signature.js";
import { CONTRACT_DIR } from "../../helpers/contract.js";
import { mqttDevices, startTestGateway, testConfig } from "../../helpers/gateway.js";
import { connectClient, Platform, startAedes, type Upstream } from "../../helpers/upstream.js";

const R = "qh/v1/gw-test";
const future = () => new Date(Date.now() + 60_000).toISOString();
let n = 0;
const newCmdId = () => `cmd-${Date.now()}-${n++}`;

async function send(platform: Platform, name: string, body: Record<string, unknown>) {
  const id = body.id as string;
  const before = platform.topic(`${R}/cmd-result/${id}`).length;
  await platform.client.publishAsync(`${R}/cmd/${name}`, JSON.stringify(body), { qos: 1 });
  await platform.waitFor(
    () => platform.topic(`${R}/cmd-result/${id}`).length > before,
    10_000,
    `result of ${id}`,
  );
  return JSON.parse(platform.topic(`${R}/cmd-result/${id}`).at(-1)!.payload) as Record<string, unknown>;
}

describe("platform commands: expiry, ledger, built-ins", () => {
  let up: Upstream;
  let platform: Platform;
  let gw: Awaited<ReturnType<typeof startTestGateway>>;

  beforeAll(async () => {
    up = await startAedes();
    platform = await Platform.connect(up.url);
    gw = await startTestGateway(testConfig(up.url, { devices: mqttDevices("cooler-1") }));
    await platform.waitFor(() => platform.topic(`${R}/status`).length > 0);
  });
  afterAll(async () => {
    await gw.cleanup();
    await platform.close();
    await up.stop();
  });

  it("ping answers ok", async () => {
    const r = await send(platform, "ping", { id: newCmdId(), args: {}, expiresAt: future() });
    expect(r).toMatchObject({ status: "ok", result: { pong: true, gw: "gw-test" } });
  });

  it("a repeated id answers duplicate with the first result and does not run again", async () => {
    let runs = 0;
    gw.router.register("test.count", async () => ({ runs: ++runs }));
    const id = newCmdId();
    const first = await send(platform, "test.count", { id, args: {}, expiresAt: future() });
    const second = await send(platform, "test.count", { id, args: {}, expiresAt: future() });
    expect(first).toMatchObject({ status: "ok", result: { runs: 1 } });
    expect(second).toMatchObject({
      id,
      status: "duplicate",
      result: { first: { status: "ok", result: { runs: 1 } } },
    });
    expect(runs).toBe(1);
  });

  it("an expired command is answered expired and not executed; resending it is a duplicate", async () => {
    let runs = 0;
    gw.router.register("test.door", async () => ({ opened: ++runs }));
    const id = newCmdId();
    const past = new Date(Date.now() - 1000).toISOString();
    expect(await send(platform, "test.door", { id, args: {}, expiresAt: past })).toMatchObject({
      status: "expired",
      error: { code: "QH_COMMAND_EXPIRED" },
    });
    expect(await send(platform, "test.door", { id, args: {}, expiresAt: future() })).toMatchObject({
      status: "duplicate",
    });
    expect(runs).toBe(0);
  });

  it("bad commands are rejected with a code: unknown name, bad expiry, bad args", async () => {
    expect(await send(platform, "no.such", { id: newCmdId(), args: {}, expiresAt: future() })).toMatchObject({
      status: "rejected",
      error: { code: "QH_COMMAND_UNKNOWN" },
    });
    expect(await send(platform, "ping", { id: newCmdId(), args: {}, expiresAt: "tomorrow" })).toMatchObject({
      status: "rejected",
      error: { code: "QH_COMMAND_INVALID" },
    });
    expect(await send(platform, "ping", { id: newCmdId(), args: [1], expiresAt: future() })).toMatchObject({
      status: "rejected",
      error: { code: "QH_COMMAND_INVALID" },
    });
  });

  it("malformed args found by a handler are answered rejected; a handler's failure is failed", async () => {
    expect(
      await send(platform, "replay", {
        id: newCmdId(),
        args: { fromSeq: 10, toSeq: 5 },
        expiresAt: future(),
      }),
    ).toMatchObject({ status: "rejected", error: { code: "QH_COMMAND_INVALID" } });
    gw.router.register("test.fail", async () => {
      throw new QhError("QH_DEVICE_OFFLINE", "gone");
    });
    expect(
      await send(platform, "test.fail", { id: newCmdId(), args: {}, expiresAt: future() }),
    ).toMatchObject({
      status: "failed",
      error: { code: "QH_DEVICE_OFFLINE" },
    });
  });

  it("a malformed command names every problem, not just the first", async () => {
    const r = await send(platform, "ping", { id: newCmdId(), args: [1], device: 7, expiresAt: "tomorrow" });
    expect(r).toMatchObject({ status: "rejected", error: { code: "QH_COMMAND_INVALID" } });
    const message = (r.error as { message: string }).message;
    expect(message).toContain("expiresAt:");
    expect(message).toContain("args:");
    expect(message).toContain("device:");
  });

  it("an unsigned command naming another gateway in gw is rejected and not run", async () => {
    let runs = 0;
    gw.router.register("test.other", async () => ({ runs: ++runs }));
    expect(
      await send(platform, "test.other", {
        id: newCmdId(),
        gw: "gw-elsewhere",
        args: {},
        expiresAt: future(),
      }),
    ).toMatchObject({ status: "rejected", error: { code: "QH_COMMAND_WRONG_GATEWAY" } });
    expect(
      await send(platform, "test.other", { id: newCmdId(), gw: "gw-test", args: {}, expiresAt: future() }),
    ).toMatchObject({ status: "ok" });
    expect(runs).toBe(1);
  });

  it("a command started before a crash (outcome unknown) is never run again", async () => {
    let runs = 0;
    gw.router.register("test.pulse", async () => ({ pulses: ++runs }));
    const id = newCmdId();
    // what the ledger holds after a crash mid-command: started, never finished
    gw.db
      .prepare("INSERT INTO commands (id, name, received_at, state) VALUES (?, 'test.pulse', ?, 'started')")
      .run(id, Date.now());
    expect(await send(platform, "test.pulse", { id, args: {}, expiresAt: future() })).toMatchObject({
      status: "failed",
      error: { code: "QH_COMMAND_OUTCOME_UNKNOWN" },
    });
    expect(runs).toBe(0);
  });

  it("replay republishes retained events from fromSeq to toSeq", async () => {
    await gw.ingest.emit({ device: "x", type: "t.one", data: { a: 1 } });
    const acc = await gw.ingest.emit({ device: "x", type: "t.two", data: { a: 2 } });
    await platform.waitFor(() => platform.events.filter((e) => e.device === "x").length === 2);
    const r = await send(platform, "replay", {
      id: newCmdId(),
      args: { fromSeq: acc.seq - 1, toSeq: acc.seq },
      expiresAt: future(),
    });
    expect(r).toMatchObject({ status: "ok", result: { events: 2 } });
    await platform.waitFor(() => platform.events.filter((e) => e.device === "x").length === 4);
    const xs = platform.events.filter((e) => e.device === "x");
    expect(xs[2]!.id).toBe(xs[0]!.id); // same ids on resend
    expect(xs[3]!.seq).toBe(acc.seq);
  });

  it("device.command relays to an MQTT device and back, and times out when it does not answer", async () => {
    await gw.credentials.add("cooler-1", "generic-mqtt", "cooler-secret");
    const dev = await connectClient(`mqtt://127.0.0.1:${gw.deviceBrokerPort}`, {
      username: "cooler-1",
      password: "cooler-secret",
    });
    await dev.subscribeAsync("dev/cooler-1/cmd/+", { qos: 1 });
    dev.on("message", (topic, payload) => {
      const cmd = JSON.parse(payload.toString()) as { id: string; args: { c: number } };
      if (topic.endsWith("/setpoint")) {
        dev.publish(
          `dev/cooler-1/cmd-result/${cmd.id}`,
          JSON.stringify({ status: "ok", result: { setpoint: cmd.args.c } }),
          { qos: 1 },
        );
      }
    });
    const ok = await send(platform, "device.command", {
      id: newCmdId(),
      device: "cooler-1",
      args: { name: "setpoint", args: { c: 4 } },
      expiresAt: future(),
    });
    expect(ok).toMatchObject({ status: "ok", result: { deviceStatus: "ok", result: { setpoint: 4 } } });
    const silent = await send(platform, "device.command", {
      id: newCmdId(),
      device: "cooler-1",
      args: { name: "ignored", timeoutMs: 200 },
      expiresAt: future(),
    });
    expect(silent).toMatchObject({ status: "failed", error: { code: "QH_COMMAND_TIMEOUT" } });
    const offline = await send(platform, "device.command", {
      id: newCmdId(),
      device: "nobody",
      args: { name: "x" },
      expiresAt: future(),
    });
    expect(offline).toMatchObject({ status: "failed", error: { code: "QH_DEVICE_OFFLINE" } });
    await dev.endAsync();
  });
});

describe("signed commands (uplink.commandKey)", () => {
  let up: Upstream;
  let platform: Platform;
  let gw: Awaited<ReturnType<typeof startTestGateway>>;
  let priv: KeyObject;

  beforeAll(async () => {
    const kp = generateKeyPairSync("ed25519");
    priv = kp.privateKey;
    const raw = kp.publicKey.export({ format: "der", type: "spki" }).subarray(12).toString("base64");
    up = await startAedes();
    platform = await Platform.connect(up.url);
    gw = await startTestGateway(testConfig(up.url, { uplink: { commandKey: raw } }));
    await platform.waitFor(() => platform.topic(`${R}/status`).length > 0);
  });
  afterAll(async () => {
    await gw.cleanup();
    await platform.close();
    await up.stop();
  });

  const signed = (name: string, body: Record<string, unknown>, gwId = "gw-test"): Record<string, unknown> => {
    const withGw = { gw: gwId, ...body };
    return {
      ...withGw,
      sig: sign(null, Buffer.from(canonicalJson({ ...withGw, name })), priv).toString("base64"),
    };
  };

  it("runs a command with a valid signature and rejects unsigned, tampered or foreign-signed ones", async () => {
    let opened = 0;
    gw.router.register("test.open", async () => ({ opened: ++opened }));
    const good = signed("test.open", { id: newCmdId(), args: { door: "A01" }, expiresAt: future() });
    expect(await send(platform, "test.open", good)).toMatchObject({ status: "ok" });

    expect(
      await send(platform, "test.open", { id: newCmdId(), args: {}, expiresAt: future() }),
    ).toMatchObject({
      status: "rejected",
      error: { code: "QH_COMMAND_SIGNATURE" },
    });
    const tampered = {
      ...signed("test.open", { id: newCmdId(), args: { door: "A01" }, expiresAt: future() }),
    };
    tampered.args = { door: "B07" };
    expect(await send(platform, "test.open", tampered)).toMatchObject({ status: "rejected" });
    // a valid signature for another command name does not carry over
    const other = signed("ping", { id: newCmdId(), args: {}, expiresAt: future() });
    expect(await send(platform, "test.open", other)).toMatchObject({ status: "rejected" });
    const foreign = generateKeyPairSync("ed25519").privateKey;
    const body = { id: newCmdId(), gw: "gw-test", args: {}, expiresAt: future() };
    const forged = {
      ...body,
      sig: sign(null, Buffer.from(canonicalJson({ ...body, name: "test.open" })), foreign).toString("base64"),
    };
    expect(await send(platform, "test.open", forged)).toMatchObject({ status: "rejected" });
    expect(opened).toBe(1);
  });
});

describe("a signed command is bound to its gateway (two gateways, one platform key)", () => {
  const vectors = JSON.parse(readFileSync(join(CONTRACT_DIR, "command-signature-vectors.json"), "utf8")) as {
    publicKeyBase64: string;
    privateKeyPem: string;
    commands: { name: string; wire: string }[];
  };
  const priv = createPrivateKey(vectors.privateKeyPem);
  let up: Upstream;
  let platform: Platform;
  const gws: Awaited<ReturnType<typeof startTestGateway>>[] = [];
  const opened: Record<string, string[]> = { "gw-a": [], "gw-b": [] };

  beforeAll(async () => {
    up = await startAedes();
    platform = await Platform.connect(up.url);
    for (const id of ["gw-a", "gw-b"]) {
      const gw = await startTestGateway(
        testConfig(up.url, { gateway: { id, site: "s" }, uplink: { commandKey: vectors.publicKeyBase64 } }),
      );
      gw.router.register("locker.open", async (args) => {
        opened[id]!.push(String(args.compartment));
        return { door: "pulsed", reason: args.reason ?? null };
      });
      gws.push(gw);
      await platform.waitFor(() => platform.topic(`qh/v1/${id}/status`).length > 0);
    }
  });
  afterAll(async () => {
    for (const gw of gws) await gw.cleanup();
    await platform.close();
    await up.stop();
  });

  async function publish(gwId: string, name: string, text: string, id: string) {
    const topic = `qh/v1/${gwId}/cmd-result/${id}`;
    const before = platform.topic(topic).length;
    await platform.client.publishAsync(`qh/v1/${gwId}/cmd/${name}`, text, { qos: 1 });
    await platform.waitFor(() => platform.topic(topic).length > before, 10_000, `result of ${id}`);
    return JSON.parse(platform.topic(topic).at(-1)!.payload) as Record<string, unknown>;
  }

  it("a locker.open signed for gw-a, replayed unchanged on gw-b's topic, is rejected there and moves nothing", async () => {
    const body = {
      id: newCmdId(),
      gw: "gw-a",
      args: { compartment: "A05", reason: "住户 locked out" },
      expiresAt: future(),
    };
    const text = JSON.stringify({
      ...body,
      sig: sign(null, Buffer.from(canonicalJson({ ...body, name: "locker.open" })), priv).toString("base64"),
    });
    expect(await publish("gw-a", "locker.open", text, body.id)).toMatchObject({ status: "ok" });
    expect(await publish("gw-b", "locker.open", text, body.id)).toMatchObject({
      status: "rejected",
      error: { code: "QH_COMMAND_WRONG_GATEWAY" },
    });
    // signed without naming a gateway: refused by both
    const bare = { id: newCmdId(), args: { compartment: "A06", reason: "x" }, expiresAt: future() };
    const bareText = JSON.stringify({
      ...bare,
      sig: sign(null, Buffer.from(canonicalJson({ ...bare, name: "locker.open" })), priv).toString("base64"),
    });
    for (const g of ["gw-a", "gw-b"]) {
      expect(await publish(g, "locker.open", bareText, bare.id)).toMatchObject({
        status: "rejected",
        // the result says what to do, not only what went wrong
        error: { code: "QH_COMMAND_SIGNATURE", hint: expect.stringContaining("uplink.commandKey") },
      });
    }
    expect(opened).toEqual({ "gw-a": ["A05"], "gw-b": [] });
  });

  it("runs a command signed by an independent JCS + Ed25519 implementation (Python), with Chinese text", async () => {
    const v = vectors.commands.find((c) => c.wire.includes("cmd-vec-open-1"))!;
    const r = await publish("gw-a", v.name, v.wire, "cmd-vec-open-1");
    expect(r).toMatchObject({
      status: "ok",
      result: { reason: "住户忘记取件码 (resident forgot the code)" },
    });
    // the same bytes on gw-b: the vector names gw-a
    expect(await publish("gw-b", v.name, v.wire, "cmd-vec-open-1")).toMatchObject({ status: "rejected" });
  });
});
