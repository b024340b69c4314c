/**
 * Defaults: what a minimal config becomes, and the two shipped config files loading against the
 * real device models.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { loadConfig, validateConfig } from "../../../src/config/load.js";
import { DEFAULT_MODELS_DIR, type DeviceModel, loadModels } from "../../../src/config/models.js";
import {
  BUS_PROTOCOLS,
  type Config,
  DEFAULT_BAUD_RATES,
  PROTOCOL_OPTIONS_SCHEMAS,
} from "../../../src/config/schema.js";

const repo = fileURLToPath(new URL("../../../", import.meta.url));
const DEFAULT_YAML = resolve(repo, "config/default.yaml");
const EXAMPLE_YAML = resolve(repo, "config/example-site.yaml");

let models: Map<string, DeviceModel>;
beforeAll(() => {
  models = loadModels();
});

const MINIMAL = { gateway: { id: "gw-min", site: "minimal" }, uplink: { url: "embedded" } };

describe("config defaults", () => {
  it("fills in every default of a minimal config", () => {
    const c = validateConfig(MINIMAL);
    expect(c).toEqual({
      gateway: { id: "gw-min", site: "minimal" },
      dataDir: resolve("./data"),
      deviceBroker: {
        host: "127.0.0.1",
        port: 1883,
        maxPayload: 65536,
        allowUndeclaredDevices: false,
        maxEventsPerSecond: 50,
        eventBurst: 500,
      },
      uplink: {
        url: "embedded",
        embeddedPort: 1884,
        topicPrefix: "qh/v1",
        batch: { maxEvents: 100 },
        window: 64,
        reconnect: { minMs: 500, maxMs: 30000 },
        keepaliveSeconds: 8,
        telemetry: {},
      },
      api: { host: "127.0.0.1", port: 8080, allowedHosts: [], trustProxy: [] },
      store: {
        synchronous: "FULL",
        fsync: "background",
        retentionDays: 7,
        diskQuotaMb: 1024,
        lowDiskMb: 200,
        telemetryMaxRows: 100000,
        walMaxMb: 64,
        commitWindowMs: 200,
      },
      buses: [],
      devices: [],
      locker: {
        pickupWindowHours: 48,
        codeLength: 6,
        maxWrongCodes: 5,
        lockoutMinutes: 15,
        siteMaxWrongCodes: 30,
        siteWindowHours: 24,
        doorLeftOpenSeconds: 120,
        courierTimeoutSeconds: 120,
        doorOpenTimeoutSeconds: 10,
      } satisfies Config["locker"],
      cold: { pollSeconds: 30, telemetrySeconds: 60, retentionDays: 366, zones: [] },
      planogram: { lowStockAt: 2, machines: [] },
      vending: {
        countryCode: "1156",
        scaleFactor: 1,
        decimalPlaces: 2,
        maxResponseSeconds: 5,
        authorizeWindowMs: 3000,
        sessionTimeoutSeconds: 60,
        offlineLimit: { vendsPerDay: 0, amountPerDay: 0 },
        machines: [],
      } satisfies Config["vending"],
      trace: { gs1: { runOnLots: "refuse" }, expiryCheckSeconds: 60 },
      clock: { synchronized: "auto", checkSeconds: 30 },
      simulate: false,
      log: { level: "info" },
    } satisfies Config);
  });

  it("does not modify the object it validates", () => {
    const input = structuredClone(MINIMAL);
    validateConfig(input);
    expect(input).toEqual(MINIMAL);
  });

  it("fills in defaults inside partly written sections", () => {
    const c = validateConfig({
      ...MINIMAL,
      uplink: { url: "mqtts://b.example.com", batch: {}, tls: { ca: "ca.pem" }, reconnect: { maxMs: 60000 } },
      api: { port: 0, token: "0123456789abcdef" },
      store: { synchronous: "NORMAL" },
      locker: { codeLength: 8 },
    });
    expect(c.uplink.batch.maxEvents).toBe(100);
    expect(c.uplink.tls).toEqual({ ca: "ca.pem", rejectUnauthorized: true });
    expect(c.uplink.reconnect).toEqual({ minMs: 500, maxMs: 60000 });
    expect(c.api).toEqual({
      host: "127.0.0.1",
      port: 0,
      allowedHosts: [],
      trustProxy: [],
      token: "0123456789abcdef",
    });
    expect(c.store.retentionDays).toBe(7);
    expect(c.locker).toMatchObject({ codeLength: 8, pickupWindowHours: 48 });
  });

  it("defaults each bus's baud rate from its protocol, and bus settings", () => {
    const c = validateConfig({
      ...MINIMAL,
      buses: BUS_PROTOCOLS.map((protocol, i) => ({ id: `b${i}`, path: `sim://b${i}`, protocol })),
    });
    expect(Object.fromEntries(c.buses.map((b) => [b.protocol, b.baudRate]))).toEqual({
      "lockboard-xor": 9600,
      "kerong-cu16": 19200,
      "scanner-line": 9600,
      "modbus-rtu": 9600,
      "mdb-bridge-text": 115200,
    });
    expect(DEFAULT_BAUD_RATES["kerong-cu16"]).toBe(19200);
    expect(c.buses[0]).toMatchObject({
      pollIntervalMs: 500,
      timeoutMs: 200,
      retries: 2,
      protocolOptions: {},
      devices: [],
    });
    const explicit = validateConfig({
      ...MINIMAL,
      buses: [{ id: "k", path: "/dev/ttyUSB1", protocol: "kerong-cu16", baudRate: 9600 }],
    });
    expect(explicit.buses[0]!.baudRate).toBe(9600);
  });

  it("gives a scanner address 0 when the file leaves it out", () => {
    const c = validateConfig({
      ...MINIMAL,
      buses: [
        {
          id: "s",
          path: "/dev/ttyACM0",
          protocol: "scanner-line",
          devices: [{ id: "sc", model: "generic-serial-scanner" }],
        },
      ],
    });
    expect(c.buses[0]!.devices[0]!.address).toBe(0);
  });

  it("resolves dataDir against the working directory; the override wins", () => {
    expect(validateConfig({ ...MINIMAL, dataDir: "var/qh" }).dataDir).toBe(resolve(process.cwd(), "var/qh"));
    expect(validateConfig({ ...MINIMAL, dataDir: "/srv/qh" }).dataDir).toBe("/srv/qh");
    expect(validateConfig(MINIMAL, { dataDir: "/tmp/override" }).dataDir).toBe("/tmp/override");
    expect(loadConfig(DEFAULT_YAML, { dataDir: "rel" }).dataDir).toBe(resolve("rel"));
  });

  it("accepts an Ed25519 command key as PEM or as base64 of the raw 32 bytes", () => {
    const raw = "m0hQm4Uo9QGcznaYd6KJq5a5TdvSJHHJ0OfllxdGJWo=";
    expect(
      validateConfig({ ...MINIMAL, uplink: { url: "embedded", commandKey: raw } }).uplink.commandKey,
    ).toBe(raw);
  });

  it("loads config/default.yaml: the simulated demo site", () => {
    const c = loadConfig(DEFAULT_YAML, { models });
    expect(c.simulate).toBe(true);
    expect(c.gateway.id).toBe("gw-demo");
    expect(c.uplink).toMatchObject({ url: "embedded", embeddedPort: 1884, topicPrefix: "qh/v1" });
    expect(c.deviceBroker.port).toBe(1883);
    expect(c.api).toMatchObject({ host: "127.0.0.1", port: 8080 });
    expect(c.dataDir).toBe(resolve("./data"));
    const [bus, cold, scan] = c.buses;
    expect(bus).toMatchObject({
      id: "bus-a",
      protocol: "lockboard-xor",
      path: "sim://bus-a",
      baudRate: 9600,
    });
    expect(bus!.devices).toEqual([
      { id: "locker-a", model: "demo-bank-24", address: 1 },
      { id: "cold-a", model: "cold-locker-bank-12", address: 3 },
    ]);
    // the cold chain's demo: a simulated Modbus controller, a chilled and a frozen zone
    expect(cold).toMatchObject({
      id: "bus-cold",
      protocol: "modbus-rtu",
      path: "sim://bus-cold",
      baudRate: 9600,
    });
    expect(cold!.devices).toEqual([{ id: "cold-ctrl", model: "generic-cold-controller", address: 1 }]);
    expect(c.cold.zones.map((z) => [z.id, z.kind, z.channel, z.compartments.length])).toEqual([
      ["chilled", "chilled", 0, 6],
      ["frozen", "frozen", 1, 6],
    ]);
    const bank = models.get("demo-bank-24");
    expect(bank?.kind === "locker-bank" && bank.boards.length).toBe(2);
    expect(bank?.kind === "locker-bank" && bank.compartments.length).toBe(24);
    expect(scan).toMatchObject({ id: "scan-a", protocol: "scanner-line", path: "sim://scan-a" });
    expect(scan!.devices).toEqual([{ id: "scanner-a", model: "generic-serial-scanner", address: 0 }]);
    expect(c.devices).toEqual([expect.objectContaining({ id: "meter-1", model: "generic-mqtt" })]);
  });

  it("loads config/example-site.yaml: a real installation", () => {
    const c = loadConfig(EXAMPLE_YAML, { models });
    expect(c.simulate).toBe(false);
    expect(c.uplink.url).toMatch(/^mqtts:\/\//);
    expect(c.uplink.tls).toMatchObject({ rejectUnauthorized: true });
    expect(c.uplink.tls?.ca && c.uplink.tls.cert && c.uplink.tls.key).toBeTruthy();
    expect(c.uplink.username && c.uplink.password && c.uplink.commandKey).toBeTruthy();
    expect(c.api.token?.length).toBeGreaterThanOrEqual(16);
    expect(c.buses.map((b) => [b.path, b.protocol, b.devices.length])).toEqual([
      ["/dev/ttyUSB0", "lockboard-xor", 3],
      ["/dev/ttyUSB1", "kerong-cu16", 2],
      ["/dev/ttyACM0", "scanner-line", 1],
    ]);
    expect(c.devices.length).toBeGreaterThanOrEqual(1);
  });

  it("keeps the protocolOptions schemas identical in config and devices/schema.json", () => {
    const schema = JSON.parse(readFileSync(resolve(DEFAULT_MODELS_DIR, "schema.json"), "utf8")) as {
      definitions: Record<string, unknown>;
    };
    for (const p of BUS_PROTOCOLS) {
      expect(schema.definitions[`options-${p}`], p).toEqual(PROTOCOL_OPTIONS_SCHEMAS[p]);
    }
  });
});

describe("trace config", () => {
  it("refuses a separator stand-in GS1 may use in a value, naming the key", () => {
    const bad = { ...structuredClone(MINIMAL), trace: { gs1: { separator: "-" } } };
    expect(() => validateConfig(bad)).toThrow(/trace\.gs1\.separator: must be one character GS1 never uses/);
    const good = validateConfig({ ...structuredClone(MINIMAL), trace: { gs1: { separator: "|" } } });
    expect(good.trace.gs1.separator).toBe("|");
  });
});
