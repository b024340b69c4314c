/**
 * The config file: its JSON Schema (draft-07, validated by ajv with `useDefaults`) and `Config`,
 * the validated shape with every default filled in. docs/configuration.md is the installer's
 * reference for the same keys; keep the three in step.
 *
 * Every object is closed (`additionalProperties: false`) so a mistyped key is an error, not a
 * silently ignored setting. Checks that span keys (unique ids, ports, models) live in load.ts.
 */
import type { SchemaObject } from "ajv";
import { LOG_LEVELS, type LogLevel } from "../core/logger.js";
import { type CompartmentOverrides, compartmentOverridesSchema } from "./compartments.js";
import { MESSAGE_KEYWORD } from "./issues.js";
import { type PlanogramConfig, planogramSchema } from "./planogram.js";

// ---------------------------------------------------------------------------------------------
// Protocols

/** Wire protocols a serial bus can speak (one per line). */
export const BUS_PROTOCOLS = [
  "lockboard-xor",
  "kerong-cu16",
  "scanner-line",
  "modbus-rtu",
  "mdb-bridge-text",
] as const;
export type BusProtocol = (typeof BUS_PROTOCOLS)[number];

/** `buses[].baudRate` when the file does not say (PROTOCOLS.md: each protocol's usual default). */
export const DEFAULT_BAUD_RATES: Readonly<Record<BusProtocol, number>> = {
  "lockboard-xor": 9600,
  "kerong-cu16": 19200,
  "scanner-line": 9600,
  "modbus-rtu": 9600,
  "mdb-bridge-text": 115200,
};

/** Baud rates a bus may be set to (a typo such as 96000 is caught). */
export const BAUD_RATES = [1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400] as const;

/**
 * Valid device addresses per protocol, checked after the schema (`address` plus each board's
 * offset must fall in the range). Protocols absent here accept the schema's 0..255.
 */
export const ADDRESS_RANGES: Readonly<Partial<Record<BusProtocol, readonly [number, number, string]>>> = {
  "kerong-cu16": [0, 15, "the board number, 0-15 (high nibble of the address byte)"],
  "modbus-rtu": [1, 247, "the Modbus slave id, 1-247 (0 is broadcast)"],
};

/** Protocols whose devices have no bus address: `address` may be left out (it is then 0). */
export const UNADDRESSED_PROTOCOLS: readonly BusProtocol[] = ["scanner-line", "mdb-bridge-text"];

/** `protocolOptions` of lockboard-xor devices and buses. */
export interface LockboardXorOptions {
  /**
   * What a board answers to an open command (sources disagree, PROTOCOLS.md §1): `echo` = the open
   * command echoed back (`8A 01 01 11 9B`), `status` = a status byte of 0x00 (`8A 01 01 00 8A`).
   */
  openReply?: "echo" | "status";
}

/** `protocolOptions` of kerong-cu16 devices and buses. */
export interface KerongCu16Options {
  /**
   * How the board answers an unlock (sources disagree, firmware-protocols/kerong-cu16/SPEC.md
   * "Reply forms"): `status` (0x35, the request's ADDR), `status-board` (0x35, lock nibble 0),
   * `status-cmd` (9-byte status, the unlock's CMD kept), `echo` (the unlock sent back, no state).
   * Left out: the gateway accepts every form either way (the codec is tolerant); the setting says
   * what the board does, and a simulated line answers that way (default `status`).
   */
  unlockReply?: "status" | "status-board" | "status-cmd" | "echo";
}

/** `protocolOptions` of scanner-line devices and buses. */
export interface ScannerLineOptions {
  /** Line ending the scanner sends; `auto` accepts CR, LF or CRLF. */
  terminator?: "CRLF" | "CR" | "LF" | "auto";
  /** Characters the scanner puts before every code (stripped), e.g. "\x01". */
  prefix?: string;
  /** Characters the scanner puts after every code, before the terminator (stripped). */
  suffix?: string;
}

/**
 * JSON Schemas of `protocolOptions`, per protocol. The same definitions appear in
 * devices/schema.json (`definitions.protocolOptions`); a unit test keeps the two identical.
 */
export const PROTOCOL_OPTIONS_SCHEMAS: Readonly<Record<BusProtocol, SchemaObject>> = {
  "lockboard-xor": {
    type: "object",
    additionalProperties: false,
    properties: { openReply: { type: "string", enum: ["echo", "status"] } },
  },
  "kerong-cu16": {
    type: "object",
    additionalProperties: false,
    properties: { unlockReply: { type: "string", enum: ["status", "status-board", "status-cmd", "echo"] } },
  },
  "scanner-line": {
    type: "object",
    additionalProperties: false,
    properties: {
      terminator: { type: "string", enum: ["CRLF", "CR", "LF", "auto"] },
      prefix: { type: "string", maxLength: 8 },
      suffix: { type: "string", maxLength: 8 },
    },
  },
  "modbus-rtu": { type: "object", additionalProperties: false, properties: {} },
  "mdb-bridge-text": { type: "object", additionalProperties: false, properties: {} },
};

// ---------------------------------------------------------------------------------------------
// The validated config

export interface Config {
  gateway: { id: string; site: string };
  /**
   * Where SQLite and state live. Relative paths in the file are relative to the process's working
   * directory (not to the config file); loadConfig returns it resolved to an absolute path.
   */
  dataDir: string;
  deviceBroker: DeviceBrokerConfig;
  uplink: UplinkConfig;
  api: ApiConfig;
  store: StoreConfig;
  buses: BusConfig[];
  devices: MqttDeviceConfig[];
  locker: LockerConfig;
  /** the cold chain (issue 9): zones of chilled/frozen compartments on Modbus controllers */
  cold: ColdConfig;
  /** vending stock: slots, prices, capacities per machine (src/config/planogram.ts) */
  planogram: PlanogramConfig;
  vending: VendingConfig;
  /** traceability (issue 11): GS1 scans, lot expiry (docs/configuration.md, "trace") */
  trace: TraceConfig;
  clock: ClockConfig;
  /** true: every serial device is played by its simulator, no hardware needed. */
  simulate: boolean;
  log: { level: LogLevel };
}

export interface DeviceBrokerConfig {
  host: string;
  /** 0 = a random free port (tests). */
  port: number;
  /** Largest device payload accepted, bytes. */
  maxPayload: number;
  /**
   * false (default): only devices declared under `devices:` may connect. true: any provisioned id
   * that is not a serial device may connect (logged at start and at each such connect).
   */
  allowUndeclaredDevices: boolean;
  /** Sustained business events per second one device may have accepted (QoS 1 beyond: not acked). */
  maxEventsPerSecond: number;
  /** Events one device may send at once after being quiet (the bucket's size). */
  eventBurst: number;
}

export interface UplinkConfig {
  /** `embedded` or mqtt:// mqtts:// ws:// wss:// URL of the platform broker. */
  url: string;
  /** Port of the in-process stand-in broker when `url` is `embedded`. */
  embeddedPort: number;
  topicPrefix: string;
  batch: { maxEvents: number };
  /** QoS 1 publishes in flight. */
  window: number;
  clientId?: string;
  username?: string;
  password?: string;
  tls?: UplinkTlsConfig;
  /** Ed25519 public key (PEM, or base64 of the raw 32 bytes) that signs platform commands. */
  commandKey?: string;
  reconnect: { minMs: number; maxMs: number };
  /**
   * MQTT keepalive (s): a PINGREQ after this long without traffic; no answer within the same time
   * again means the connection is dead (half-open TCP) and it is dropped and re-opened.
   */
  keepaliveSeconds: number;
  telemetry: { maxRatePerDevice?: number };
}

export interface ClockConfig {
  /**
   * Is the wall clock synchronised? "auto": ask the OS (systemd-timesyncd's marker file, then
   * `timedatectl`; if neither answers, trusted); "yes": trust it (a battery clock, tests);
   * "no": never (a box with no time source: records are flagged, durations still hold).
   */
  synchronized: "auto" | "yes" | "no";
  /** How often to ask the OS (s). */
  checkSeconds: number;
}

export interface UplinkTlsConfig {
  /** File paths (relative to the working directory), PEM. */
  ca?: string;
  cert?: string;
  key?: string;
  rejectUnauthorized: boolean;
}

export interface ApiConfig {
  host: string;
  port: number;
  /** Bearer token for /api/v1 (16 characters or more). */
  token?: string;
  /**
   * Names the box is reached by besides loopback, `host` and its own IP addresses (the Host guard,
   * src/api/host-guard.ts): exact names, or `*.site.lan` for any sub-name. Default none.
   */
  allowedHosts: string[];
  /**
   * Reverse proxies trusted for `X-Forwarded-Proto` / `X-Forwarded-For` / `X-Forwarded-Host`
   * (fastify's `trustProxy`): addresses, CIDRs, or `loopback`, `linklocal`, `uniquelocal`.
   * Default none: those headers are ignored.
   */
  trustProxy: string[];
}

export interface StoreConfig {
  synchronous: "FULL" | "NORMAL";
  /**
   * With synchronous FULL: where the fsync that makes a commit durable runs. `background`
   * (default): a group fdatasync of the WAL in libuv's pool and checkpoints in a worker thread, the
   * acks waiting for it (issue 13); `inline`: SQLite's own fsync inside each commit, on the event loop.
   */
  fsync: "background" | "inline";
  /** Days delivered events are kept for replay. */
  retentionDays: number;
  diskQuotaMb: number;
  /** Free disk space (MB) below which new telemetry is refused. */
  lowDiskMb: number;
  telemetryMaxRows: number;
  /** WAL size (MB) past which the gateway checkpoints and truncates it (TRUNCATE, without waiting). */
  walMaxMb: number;
  /**
   * Minimum spacing (ms) of group commits of device events at low rates, so that several share one
   * commit (SD-card wear); 0: every loop turn commits. See src/pipeline/commit-window.ts.
   */
  commitWindowMs: number;
}

export interface BusConfig {
  id: string;
  /** Serial device path (/dev/ttyUSB0) or `sim://NAME` for a simulated line. */
  path: string;
  baudRate: number;
  protocol: BusProtocol;
  pollIntervalMs: number;
  timeoutMs: number;
  retries: number;
  /** Protocol options for the whole line; override the model's `protocolOptions`. */
  protocolOptions: Record<string, unknown>;
  devices: BusDeviceConfig[];
}

export interface BusDeviceConfig {
  id: string;
  /** A device model id from devices/. */
  model: string;
  /** Bus address (DIP switches); boards of a multi-board model sit at address + offset. */
  address: number;
  name?: string;
  location?: string;
  /** A locker bank's per-site compartment layout (src/config/compartments.ts). */
  compartments?: CompartmentOverrides;
}

export interface MqttDeviceConfig {
  id: string;
  /** `generic-mqtt` or an mqtt-device model id from devices/. */
  model: string;
  name?: string;
  location?: string;
  /** Model-specific settings, passed to the device's driver as they are. */
  options?: Record<string, unknown>;
}

/** The reader settings of a vending machine (config `vending:`; per machine in `vending.machines[]`). */
export interface VendingReaderSettings {
  /** MDB country/currency code declared to the machine, 4 digits (1156 = CNY) */
  countryCode: string;
  /** money (minor units) = MDB bus value × scaleFactor */
  scaleFactor: number;
  decimalPlaces: number;
  /** the reader's maximum response time declared to the machine, s (the machine's own timer) */
  maxResponseSeconds: number;
  /** select first: how long the platform has to answer vend.authorize, ms (inside maxResponseSeconds) */
  authorizeWindowMs: number;
  /** pay first: a session without a vend ends after this long, s */
  sessionTimeoutSeconds: number;
  /** offline select-first approvals per machine per 24 h window (src/domain/vending/store.ts offlineWindow) (0 = off: deny while offline) */
  offlineLimit: { vendsPerDay: number; amountPerDay: number };
}

export interface VendingMachineConfig extends Partial<VendingReaderSettings> {
  /** a device id on an mdb-bridge-text bus */
  device: string;
  /** simulated lines only: the demo machine's prices (item number → MDB price) and quirks */
  simulator?: {
    prices?: Record<string, number>;
    names?: Record<string, string>;
    setupRepeats?: number;
    dispenseMs?: number;
  };
}

export interface VendingConfig extends VendingReaderSettings {
  machines: VendingMachineConfig[];
}

export interface LockerConfig {
  pickupWindowHours: number;
  codeLength: number;
  maxWrongCodes: number;
  lockoutMinutes: number;
  /** Site-wide guard: wrong codes at all terminals within siteWindowHours before slowed mode. */
  siteMaxWrongCodes: number;
  siteWindowHours: number;
  /**
   * The kiosk terminals installed at the site. Left out: one terminal per scanner-line device
   * (id = the scanner's id, serving every locker bank). Only these ids exist in the kiosk API.
   */
  terminals?: TerminalConfig[];
  doorLeftOpenSeconds: number;
  courierTimeoutSeconds: number;
  doorOpenTimeoutSeconds: number;
}

/** `trace:` GS1 scans and lots (docs/traceability.md). */
export interface TraceConfig {
  gs1: {
    /** the printable character a scanner writes instead of GS (ASCII 29); unset: the scanner sends GS */
    separator?: string;
    /** a lot ending like (17)YYMMDD in a scan without GS: "refuse" (default) or "record" (docs/traceability.md) */
    runOnLots: "refuse" | "record";
  };
  /** IANA time zone in which an expiry date ends (default: the system's) */
  timeZone?: string;
  /** how often lots on sale are checked against their expiry date (s) */
  expiryCheckSeconds: number;
}

/** Stand-ins for GS a scanner may be set to: outside GS1 character set 82, so never in a value. */
export const GS1_SEPARATOR_STAND_INS = ["|", "~", "#", "^", "{", "}", "@", "[", "\\", "]", "`", "$"] as const;

/** `cold:` the cold chain's zones and record (docs/configuration.md, "cold"). */
export interface ColdConfig {
  /** default poll interval of a zone, s (whole seconds: the record's time resolution) */
  pollSeconds: number;
  /** zone readings upstream as telemetry at most this often, s (0: none) */
  telemetrySeconds: number;
  /** readings kept at least this many days (EU 37/2005: a year; never below 366) */
  retentionDays: number;
  zones: ColdZoneConfig[];
}

/** One cold zone: its band, its controller channel, its compartments, its alarm delays. */
export interface ColdZoneConfig {
  id: string;
  /** chilled: 2..6 °C; frozen: −40..−15 °C; custom: minC/maxC required */
  kind: "chilled" | "frozen" | "custom";
  /** the cold-controller device (on a modbus-rtu bus) measuring the zone */
  controller: string;
  channel: number;
  /** "device/compartment" of a locker bank, e.g. cold-a/C01 */
  compartments: string[];
  minC?: number;
  maxC?: number;
  hysteresisC?: number;
  alarmDelaySeconds?: number;
  cumulativeLimitSeconds?: number;
  cumulativeWindowSeconds?: number;
  doorOpenSeconds?: number;
  sensorFaultSeconds?: number;
  unreachableSeconds?: number;
  maxJumpC?: number;
  /** temperature alarms above the range are suppressed during a defrost and this long after it, s */
  defrostAlarmDelaySeconds?: number;
  /** the defrost bypass's ceiling above maxC, °C */
  defrostMaxRiseC?: number;
  pollSeconds?: number;
}

/** A kiosk terminal: its id (in /api/v1/kiosk/{id}/…), the locker banks it serves, its scanner. */
export interface TerminalConfig {
  id: string;
  /** Locker bank device ids (buses[].devices[].id on a lock-board bus); its doors only. */
  banks: string[];
  /** The scanner-line device whose scans are this terminal's. */
  scanner?: string;
}

// ---------------------------------------------------------------------------------------------
// The schema

export const GATEWAY_ID_PATTERN = "^[a-z0-9-]{1,64}$";
/** Device and bus ids: they appear in MQTT topics and as the device's MQTT username. */
export const DEVICE_ID_PATTERN = "^[A-Za-z0-9_-]{1,64}$";
export const UPLINK_URL_MESSAGE = 'must be mqtt://, mqtts://, ws://, wss:// or "embedded"';

function obj(
  properties: Record<string, SchemaObject>,
  opts: { required?: string[]; default?: unknown } = {},
): SchemaObject {
  return {
    type: "object",
    additionalProperties: false,
    properties,
    ...(opts.required ? { required: opts.required } : {}),
    ...(opts.default !== undefined ? { default: opts.default } : {}),
  };
}

function int(minimum: number, maximum: number, def?: number): SchemaObject {
  return { type: "integer", minimum, maximum, ...(def !== undefined ? { default: def } : {}) };
}

function str(def?: string, minLength = 1): SchemaObject {
  return { type: "string", minLength, ...(def !== undefined ? { default: def } : {}) };
}

const port = (def: number): SchemaObject => int(0, 65535, def);

const id = (what: string): SchemaObject => ({
  type: "string",
  pattern: DEVICE_ID_PATTERN,
  [MESSAGE_KEYWORD]: `must be a ${what} id of 1-64 characters A-Z a-z 0-9 _ -`,
});

const busDevice = obj(
  {
    id: id("device"),
    model: str(),
    address: int(0, 255),
    name: str(),
    location: str(),
    compartments: compartmentOverridesSchema,
  },
  { required: ["id", "model"] },
);

const bus: SchemaObject = {
  ...obj(
    {
      id: id("bus"),
      path: str(),
      baudRate: { type: "integer", enum: [...BAUD_RATES] },
      protocol: { type: "string", enum: [...BUS_PROTOCOLS] },
      pollIntervalMs: int(10, 3_600_000, 500),
      timeoutMs: int(10, 60_000, 200),
      retries: int(0, 10, 2),
      protocolOptions: { type: "object", default: {} },
      devices: { type: "array", items: busDevice, default: [] },
    },
    { required: ["id", "path", "protocol"] },
  ),
  // protocolOptions are checked against the bus's own protocol
  allOf: BUS_PROTOCOLS.map((p) => ({
    if: { properties: { protocol: { const: p } }, required: ["protocol"] },
    // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if/then keyword, never awaited
    then: { properties: { protocolOptions: PROTOCOL_OPTIONS_SCHEMAS[p] } },
  })),
};

/** The `vending:` reader keys; with defaults at the top level, without them per machine (they inherit). */
function vendingReaderSchema(defaults: boolean): Record<string, SchemaObject> {
  const d = <T>(v: T): T | undefined => (defaults ? v : undefined);
  return {
    countryCode: {
      type: "string",
      pattern: "^[0-9]{4}$",
      [MESSAGE_KEYWORD]: "must be the MDB country code, 4 digits (1156 = CNY, 1978 = EUR)",
      ...(defaults ? { default: "1156" } : {}),
    },
    scaleFactor: int(1, 255, d(1)),
    decimalPlaces: int(0, 4, d(2)),
    maxResponseSeconds: int(1, 255, d(5)),
    authorizeWindowMs: int(50, 254_000, d(3000)),
    sessionTimeoutSeconds: int(5, 3600, d(60)),
    offlineLimit: obj(
      { vendsPerDay: int(0, 10_000, d(0)), amountPerDay: int(0, 100_000_000, d(0)) },
      defaults ? { default: {} } : {},
    ),
  };
}

const mqttDevice = obj(
  {
    id: id("device"),
    model: str(),
    name: str(),
    location: str(),
    options: { type: "object" },
  },
  { required: ["id", "model"] },
);

export const configSchema: SchemaObject = {
  $schema: "http://json-schema.org/draft-07/schema#",
  title: "quarterhour gateway config",
  ...obj(
    {
      gateway: obj(
        {
          id: {
            type: "string",
            pattern: GATEWAY_ID_PATTERN,
            [MESSAGE_KEYWORD]: 'must be 1-64 characters of a-z, 0-9 and "-" (lower case), e.g. gw-oak-street',
          },
          site: { type: "string", minLength: 1, maxLength: 128 },
        },
        { required: ["id", "site"] },
      ),
      dataDir: str("./data"),
      deviceBroker: obj(
        {
          host: str("127.0.0.1"),
          port: port(1883),
          maxPayload: int(256, 268_435_455, 65_536),
          allowUndeclaredDevices: { type: "boolean", default: false },
          maxEventsPerSecond: { type: "number", exclusiveMinimum: 0, maximum: 1_000_000, default: 50 },
          eventBurst: int(1, 10_000_000, 500),
        },
        { default: {} },
      ),
      uplink: obj(
        {
          url: {
            type: "string",
            pattern: "^(embedded|(mqtt|mqtts|ws|wss)://.+)$",
            [MESSAGE_KEYWORD]: UPLINK_URL_MESSAGE,
          },
          embeddedPort: port(1884),
          topicPrefix: {
            type: "string",
            default: "qh/v1",
            pattern: "^[^#+/\\s]+(/[^#+/\\s]+)*$",
            [MESSAGE_KEYWORD]:
              "must be MQTT topic levels separated by /, without + # spaces or a leading or trailing /, e.g. qh/v1",
          },
          batch: obj({ maxEvents: int(1, 1000, 100) }, { default: {} }),
          window: int(1, 65_535, 64),
          clientId: { type: "string", minLength: 1, maxLength: 128 },
          username: str(),
          password: str(),
          tls: obj({
            ca: str(),
            cert: str(),
            key: str(),
            rejectUnauthorized: { type: "boolean", default: true },
          }),
          commandKey: str(),
          reconnect: obj(
            { minMs: int(10, 3_600_000, 500), maxMs: int(10, 3_600_000, 30_000) },
            { default: {} },
          ),
          keepaliveSeconds: int(2, 300, 8),
          telemetry: obj({ maxRatePerDevice: { type: "number", exclusiveMinimum: 0 } }, { default: {} }),
        },
        { required: ["url"] },
      ),
      api: obj(
        {
          host: str("127.0.0.1"),
          port: port(8080),
          token: { type: "string", minLength: 16 },
          allowedHosts: {
            type: "array",
            items: { type: "string", pattern: "^(\\*\\.)?[A-Za-z0-9]([A-Za-z0-9.-]{0,252})$" },
            default: [],
          },
          trustProxy: {
            type: "array",
            items: {
              type: "string",
              pattern: "^(loopback|linklocal|uniquelocal|[0-9A-Fa-f:.]{2,45}(/[0-9]{1,3})?)$",
            },
            default: [],
          },
        },
        { default: {} },
      ),
      store: obj(
        {
          synchronous: { type: "string", enum: ["FULL", "NORMAL"], default: "FULL" },
          retentionDays: int(0, 3650, 7),
          diskQuotaMb: int(1, 16_777_216, 1024),
          lowDiskMb: int(0, 16_777_216, 200),
          telemetryMaxRows: int(1, 1_000_000_000, 100_000),
          walMaxMb: int(1, 1_048_576, 64),
          commitWindowMs: int(0, 1000, 200),
          fsync: { type: "string", enum: ["background", "inline"], default: "background" },
        },
        { default: {} },
      ),
      buses: { type: "array", items: bus, default: [] },
      devices: { type: "array", items: mqttDevice, default: [] },
      locker: obj(
        {
          pickupWindowHours: int(1, 8760, 48),
          codeLength: int(4, 12, 6),
          maxWrongCodes: int(1, 100, 5),
          lockoutMinutes: int(1, 1440, 15),
          siteMaxWrongCodes: int(1, 10_000, 30),
          siteWindowHours: int(1, 720, 24),
          terminals: {
            type: "array",
            items: obj(
              {
                id: id("terminal"),
                banks: { type: "array", items: id("locker bank"), minItems: 1, uniqueItems: true },
                scanner: id("scanner"),
              },
              { required: ["id", "banks"] },
            ),
          },
          doorLeftOpenSeconds: int(5, 86_400, 120),
          courierTimeoutSeconds: int(10, 3600, 120),
          doorOpenTimeoutSeconds: int(1, 120, 10),
        },
        { default: {} },
      ),
      cold: obj(
        {
          pollSeconds: int(1, 3600, 30),
          telemetrySeconds: int(0, 86_400, 60),
          retentionDays: int(366, 3650, 366),
          zones: {
            type: "array",
            default: [],
            items: obj(
              {
                id: id("zone"),
                kind: { type: "string", enum: ["chilled", "frozen", "custom"] },
                controller: id("controller device"),
                channel: int(0, 255, 0),
                compartments: {
                  type: "array",
                  default: [],
                  uniqueItems: true,
                  items: {
                    type: "string",
                    pattern: "^[A-Za-z0-9_-]{1,64}/[A-Za-z0-9_-]{1,64}$",
                    [MESSAGE_KEYWORD]: "must be device/compartment, e.g. cold-a/C01",
                  },
                },
                minC: { type: "number", minimum: -80, maximum: 60 },
                maxC: { type: "number", minimum: -80, maximum: 60 },
                hysteresisC: { type: "number", minimum: 0, maximum: 10 },
                alarmDelaySeconds: int(0, 86_400),
                cumulativeLimitSeconds: int(0, 604_800),
                cumulativeWindowSeconds: int(60, 2_592_000),
                doorOpenSeconds: int(0, 86_400),
                sensorFaultSeconds: int(0, 86_400),
                unreachableSeconds: int(0, 86_400),
                maxJumpC: { type: "number", exclusiveMinimum: 0, maximum: 100 },
                defrostAlarmDelaySeconds: int(0, 86_400),
                defrostMaxRiseC: { type: "number", minimum: 0, maximum: 30 },
                pollSeconds: int(1, 3600),
              },
              { required: ["id", "kind", "controller"] },
            ),
          },
        },
        { default: {} },
      ),
      planogram: planogramSchema(id("vending machine")),
      vending: obj(
        {
          ...vendingReaderSchema(true),
          machines: {
            type: "array",
            default: [],
            items: obj(
              {
                device: id("vending machine"),
                ...vendingReaderSchema(false),
                simulator: obj({
                  prices: {
                    type: "object",
                    additionalProperties: int(0, 65535),
                    propertyNames: { pattern: "^[0-9]{1,5}$" },
                  },
                  names: {
                    type: "object",
                    additionalProperties: { type: "string", maxLength: 64 },
                    propertyNames: { pattern: "^[0-9]{1,5}$" },
                  },
                  setupRepeats: int(1, 3),
                  dispenseMs: int(0, 60_000),
                }),
              },
              { required: ["device"] },
            ),
          },
        },
        { default: {} },
      ),
      trace: obj(
        {
          gs1: obj(
            {
              separator: {
                type: "string",
                enum: [...GS1_SEPARATOR_STAND_INS],
                [MESSAGE_KEYWORD]: `must be one character GS1 never uses in a value: ${GS1_SEPARATOR_STAND_INS.join(" ")}`,
              },
              runOnLots: {
                type: "string",
                enum: ["refuse", "record"],
                default: "refuse",
                [MESSAGE_KEYWORD]: 'must be "refuse" or "record"',
              },
            },
            { default: {} },
          ),
          timeZone: {
            type: "string",
            pattern: "^[A-Za-z0-9_+/-]{1,64}$",
            format: "time-zone",
            [MESSAGE_KEYWORD]: "must be an IANA time zone, e.g. Asia/Shanghai",
          },
          expiryCheckSeconds: int(1, 3600, 60),
        },
        { default: {} },
      ),
      clock: obj(
        {
          synchronized: { type: "string", enum: ["auto", "yes", "no"], default: "auto" },
          checkSeconds: int(1, 3600, 30),
        },
        { default: {} },
      ),
      simulate: { type: "boolean", default: false },
      log: obj({ level: { type: "string", enum: [...LOG_LEVELS], default: "info" } }, { default: {} }),
    },
    { required: ["gateway", "uplink"] },
  ),
};
