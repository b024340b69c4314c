/**
 * The provisioning API on a real gateway (in-process, config file in a temp dir, real SQLite, real
 * MQTT device broker, an aedes upstream), through inject():
 *  - GET /models, /devices, /devices/{id}, /buses, /locker/{bank}/layout, /site;
 *  - an MQTT device added from the API gets a secret once and can connect at once; removed, its
 *    live connection is closed before the answer (revocation) and it can no longer connect;
 *  - a serial device added: saved, `restartRequired` with why, shown in /health warnings and /site;
 *  - a bad change (an id already used by a serial device) is 400 QH_CONFIG_INVALID with the key
 *    path and the file is unchanged;
 *  - test-open of a real pty (socat) is ok, of a missing path 409 QH_SERIAL_OPEN;
 *  - schema errors (numbers for strings, unknown fields) are 400; no token 401; a kiosk credential
 *    403 QH_API_SCOPE.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { validateConfig } from "../../../src/config/load.js";
import { startTestGateway, tempDir } from "../../helpers/gateway.js";
import { openPtyPair } from "../../helpers/pty.js";
import { connectClient, startAedes, type Upstream } from "../../helpers/upstream.js";

const TOKEN = "prov-token-0123456789";
const H = { authorization: `Bearer ${TOKEN}` };

describe("provisioning API", { timeout: 60_000 }, () => {
  let up: Upstream;
  let gw: Awaited<ReturnType<typeof startTestGateway>>;
  let file: string;
  let original: string;

  beforeAll(async () => {
    up = await startAedes();
    const dir = tempDir("qh-prov-");
    const raw = {
      gateway: { id: "gw-prov", site: "prov-site" },
      dataDir: join(dir, "data"),
      simulate: true,
      deviceBroker: { host: "127.0.0.1", port: 0 },
      uplink: { url: up.url },
      api: { host: "127.0.0.1", port: 0, token: TOKEN },
      buses: [
        {
          id: "bus-a",
          path: "sim://bus-a",
          protocol: "lockboard-xor",
          devices: [{ id: "locker-a", model: "demo-bank-24", address: 1 }],
        },
      ],
      devices: [{ id: "meter-1", model: "generic-mqtt" }],
      locker: { terminals: [{ id: "kiosk-a", banks: ["locker-a"] }] },
    };
    file = join(dir, "site.yaml");
    original = `# installer's comment\n${stringify(raw)}`;
    writeFileSync(file, original);
    gw = await startTestGateway(validateConfig(raw), { configFile: { path: file } });
  });
  afterAll(async () => {
    await gw?.cleanup();
    await up?.stop();
  });

  const call = (method: "GET" | "POST" | "PATCH" | "DELETE", url: string, payload?: unknown, headers = H) =>
    gw.api.inject({
      method,
      url: `/api/v1${url}`,
      headers,
      ...(payload === undefined ? {} : { payload: payload as object }),
    });

  it("lists models, devices, buses and a locker bank's layout", async () => {
    const models = (await call("GET", "/models")).json().models as { id: string; transport: string }[];
    expect(models).toContainEqual(expect.objectContaining({ id: "generic-mqtt", transport: "mqtt" }));
    expect(models).toContainEqual(
      expect.objectContaining({ id: "demo-bank-24", transport: "serial", compartments: 24 }),
    );
    const devices = (await call("GET", "/devices")).json().devices;
    expect(devices).toEqual([
      expect.objectContaining({
        id: "locker-a",
        kind: "serial",
        bus: "bus-a",
        address: 1,
        model: "demo-bank-24",
      }),
      expect.objectContaining({ id: "meter-1", kind: "mqtt", online: false, provisioned: false }),
    ]);
    expect((await call("GET", "/devices/meter-1")).json()).toMatchObject({ id: "meter-1", kind: "mqtt" });
    const none = await call("GET", "/devices/nope");
    expect(none.statusCode).toBe(404);
    expect(none.json().error.code).toBe("QH_DEVICE_UNKNOWN");
    expect((await call("GET", "/buses")).json().buses).toEqual([
      expect.objectContaining({
        id: "bus-a",
        protocol: "lockboard-xor",
        baudRate: 9600,
        devices: ["locker-a"],
      }),
    ]);
    const layout = (await call("GET", "/locker/locker-a/layout")).json();
    expect(layout.model).toBe("demo-bank-24");
    expect(layout.compartments).toHaveLength(24);
    expect(layout.compartments[0]).toEqual({
      id: "A01",
      board: 0,
      lock: 1,
      size: "S",
      zone: "ambient",
      enabled: true,
      model: { size: "S", zone: "ambient" },
    });
    expect((await call("GET", "/locker/meter-1/layout")).statusCode).toBe(404);
  });

  it("an MQTT device added from the API connects at once; removed, its connection is closed and it cannot return", async () => {
    const add = await call("POST", "/devices", { id: "meter-2", model: "generic-mqtt", name: "Hall meter" });
    expect(add.statusCode, add.body).toBe(201);
    const body = add.json() as { secret: string; applied: boolean; device: Record<string, unknown> };
    expect(body.applied).toBe(true);
    expect(body.secret.length).toBeGreaterThanOrEqual(20);
    expect(body.device).toMatchObject({ id: "meter-2", kind: "mqtt", provisioned: true, name: "Hall meter" });
    expect(readFileSync(file, "utf8")).toContain("meter-2");
    expect(readFileSync(file, "utf8")).toContain("# installer's comment");
    expect(readFileSync(`${file}.prev`, "utf8")).toBe(original);
    // the secret is shown once: never in a later answer
    expect((await call("GET", "/devices/meter-2")).body).not.toContain(body.secret);

    const url = `mqtt://127.0.0.1:${gw.deviceBrokerPort}`;
    const dev = await connectClient(url, {
      username: "meter-2",
      clientId: "meter-2",
      password: body.secret,
      reconnectPeriod: 0,
    });
    expect((await call("GET", "/devices/meter-2")).json().online).toBe(true);
    const closed = new Promise<void>((r) => dev.once("close", () => r()));
    const del = await call("DELETE", "/devices/meter-2");
    expect(del.statusCode).toBe(200);
    expect(del.json()).toEqual({ applied: true, disconnected: 1 });
    await closed; // closed by the gateway before the answer came back
    expect(readFileSync(file, "utf8")).not.toContain("meter-2");
    await expect(
      connectClient(url, {
        username: "meter-2",
        clientId: "meter-2",
        password: body.secret,
        reconnectPeriod: 0,
      }),
    ).rejects.toThrow();
  });

  it("a serial device is saved and needs a restart: why, in /health warnings and /site", async () => {
    const add = await call("POST", "/devices", {
      id: "locker-b",
      model: "demo-bank-24",
      bus: "bus-a",
      address: 3,
    });
    expect(add.statusCode, add.body).toBe(201);
    expect(add.json()).toMatchObject({ restartRequired: true, why: expect.stringContaining("locker-b") });
    expect(readFileSync(file, "utf8")).toContain("locker-b");
    const health = (await gw.api.inject({ url: "/health" })).json() as { warnings: string[] };
    expect(health.warnings.join("\n")).toMatch(/restart pending: .*locker-b/);
    const site = (await call("GET", "/site")).json();
    expect(site.pendingRestart).toEqual({ required: true, why: [expect.stringContaining("locker-b")] });
    expect(site.configFile).toBe(file);
    // still the running config until the restart
    expect(site.devices.map((d: { id: string }) => d.id)).not.toContain("locker-b");
    // name and location apply live
    const patch = await call("PATCH", "/devices/meter-1", { location: "Basement" });
    expect(patch.json()).toEqual({ applied: true });
    expect((await call("GET", "/devices/meter-1")).json().location).toBe("Basement");
    const moved = await call("PATCH", "/devices/locker-a", { address: 5 });
    expect(moved.json()).toMatchObject({ restartRequired: true });
    expect((await call("PATCH", "/devices/meter-1", { address: 5 })).statusCode).toBe(400);
    const gone = await call("DELETE", "/devices/locker-b");
    expect(gone.json()).toMatchObject({ restartRequired: true });
  });

  it("a bad change is refused with its key path; the file is unchanged", async () => {
    const before = readFileSync(file, "utf8");
    const dup = await call("POST", "/devices", { id: "locker-a", model: "generic-mqtt" });
    expect(dup.statusCode).toBe(400);
    expect(dup.json().error.code).toBe("QH_CONFIG_INVALID");
    expect(JSON.stringify(dup.json().error.details)).toMatch(/devices\[\d+\]\.id/);
    // a scanner's model on a lock-board line
    const addr = await call("POST", "/devices", {
      id: "scan-c",
      model: "generic-serial-scanner",
      bus: "bus-a",
    });
    expect(addr.statusCode).toBe(400);
    expect(addr.json().error.code).toBe("QH_CONFIG_INVALID");
    expect(JSON.stringify(addr.json().error.details)).toContain("buses[0].devices[");
    const noBus = await call("POST", "/devices", { id: "locker-d", model: "demo-bank-24" });
    expect(noBus.statusCode).toBe(400);
    const badModel = await call("POST", "/devices", { id: "x-1", model: "no-such-model" });
    expect(badModel.json().error.code).toBe("QH_MODEL_UNKNOWN");
    expect(readFileSync(file, "utf8")).toBe(before);
  });

  it("schema errors: no coercion, no unknown fields", async () => {
    for (const payload of [
      { id: 12, model: "generic-mqtt" },
      { id: "m-9", model: "generic-mqtt", secret: "x" },
      { id: "m-9", model: "demo-bank-24", bus: "bus-a", address: "3" },
      { id: "bad id", model: "generic-mqtt" },
    ]) {
      const r = await call("POST", "/devices", payload);
      expect(r.statusCode, JSON.stringify(payload)).toBe(400);
      expect(r.json().error.code).toBe("QH_API_INVALID");
    }
    expect((await call("PATCH", "/devices/meter-1", {})).statusCode).toBe(400);
    expect((await call("POST", "/buses/test-open", { path: "/etc/passwd" })).statusCode).toBe(400);
    // a `..` segment leaves /dev: refused by the schema, never opened (no file-existence oracle)
    for (const path of ["/dev/../etc/passwd", "/dev/serial/../../etc/shadow", "/dev/.."])
      expect((await call("POST", "/buses/test-open", { path })).statusCode, path).toBe(400);
    expect(
      (await call("POST", "/buses/test-open", { path: "/dev/ttyS0", baudRate: "9600" })).statusCode,
    ).toBe(400);
  });

  it("test-open: a real pty opens; a missing path is 409 QH_SERIAL_OPEN; a line in use is not reopened", async () => {
    const pair = await openPtyPair();
    try {
      const ok = await call("POST", "/buses/test-open", { path: pair.ptyA, baudRate: 9600 });
      expect(ok.statusCode, ok.body).toBe(200);
      expect(ok.json()).toEqual({ path: pair.ptyA, ok: true });
    } finally {
      await pair.close();
    }
    const missing = await call("POST", "/buses/test-open", { path: "/dev/ttyQH-none" });
    expect(missing.statusCode).toBe(409);
    expect(missing.json().error.code).toBe("QH_SERIAL_OPEN");
    expect((await call("POST", "/buses/test-open", { path: "sim://bus-a" })).json()).toEqual({
      path: "sim://bus-a",
      ok: true,
      inUseBy: "bus-a",
    });
  });

  it("the site overview", async () => {
    const site = (await call("GET", "/site")).json();
    expect(site).toMatchObject({
      gateway: { id: "gw-prov", site: "prov-site" },
      mode: "simulate",
      terminals: [{ id: "kiosk-a", paired: false }],
      disk: { level: "ok" },
    });
    expect(site.buses[0]).toMatchObject({ id: "bus-a", state: "ok" });
    expect(site.uplink).toHaveProperty("connected");
    expect(site.outbox).toHaveProperty("pending");
  });

  it("needs the installer: no token 401, a kiosk credential 403 QH_API_SCOPE", async () => {
    expect((await call("GET", "/devices", undefined, {} as typeof H)).statusCode).toBe(401);
    const { pairingCode } = (await call("POST", "/terminals/kiosk-a/pairing", {})).json() as {
      pairingCode: string;
    };
    const paired = await gw.api.inject({
      method: "POST",
      url: "/api/v1/kiosk/kiosk-a/pair",
      payload: { pairingCode },
    });
    const cookie = String(paired.headers["set-cookie"]).split(";")[0]!;
    for (const [m, u] of [
      ["GET", "/devices"],
      ["GET", "/site"],
      ["GET", "/models"],
      ["DELETE", "/devices/meter-1"],
    ] as const) {
      const r = await call(m, u, undefined, { cookie } as unknown as typeof H);
      expect(r.statusCode, u).toBe(403);
      expect(r.json().error.code).toBe("QH_API_SCOPE");
    }
    expect((await call("GET", "/site")).json().terminals).toEqual([{ id: "kiosk-a", paired: true }]);
  });
});
