/**
 * Loading the config file: YAML → schema (defaults filled in) → checks across keys → `Config`.
 * Every problem comes back at once as QH_CONFIG_INVALID, one `path: reason` per line, so an
 * installer fixes the file in one pass.
 */
import { createPublicKey } from "node:crypto";
import { readFileSync, realpathSync, statSync } from "node:fs";
import { resolve } from "node:path";
import type { ValidateFunction } from "ajv";
import { QhError } from "../core/errors.js";
import { redactUrl } from "../core/redact.js";
import { compartmentOverrideProblems } from "./compartments.js";
import {
  type ConfigIssue,
  createAjv,
  formatPath,
  invalidConfig,
  type PathSegment,
  suggestKey,
  validateWith,
} from "./issues.js";
import {
  boardAddresses,
  type DeviceModel,
  GENERIC_MQTT_MODEL,
  isSerialModel,
  type SerialDeviceModel,
} from "./models.js";
import { planogramProblems } from "./planogram.js";
import {
  ADDRESS_RANGES,
  type BusProtocol,
  type Config,
  configSchema,
  DEFAULT_BAUD_RATES,
  UNADDRESSED_PROTOCOLS,
} from "./schema.js";
import { terminalProblems } from "./terminals.js";
import { vendingProblems } from "./vending.js";
import { parseYaml, type YamlSource } from "./yaml.js";

export interface LoadOptions {
  /** Replaces `dataDir` from the file (the CLI's --data-dir). */
  dataDir?: string;
  /** When given, also runs validateModels against these models. */
  models?: ReadonlyMap<string, DeviceModel>;
}

type Problem = { segments: PathSegment[]; message: string };

let validator: ValidateFunction | undefined;
function configValidator(): ValidateFunction {
  validator ??= createAjv().compile(configSchema);
  return validator;
}

/**
 * Reads, parses and validates a config file. Throws QH_CONFIG_UNREADABLE when the file cannot be
 * read, QH_CONFIG_INVALID (details: `{ path, message, line?, column? }[]`) for a YAML syntax error
 * (with line and column) or any invalid key. `dataDir` comes back absolute, resolved against the
 * process's working directory.
 */
export function loadConfig(file: string, overrides: LoadOptions = {}): Config {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const why =
      err.code === "ENOENT"
        ? "no such file"
        : err.code === "EACCES"
          ? "permission denied"
          : err.code === "EISDIR"
            ? "it is a directory"
            : err.message;
    throw new QhError("QH_CONFIG_UNREADABLE", `Cannot read config file ${file}: ${why}`, { file });
  }
  const parsed = parseYaml(text);
  if (!parsed.source) throw invalidConfig(`config file ${file}`, parsed.issues);
  return check(parsed.source.data, parsed.source, `config file ${file}`, overrides);
}

/**
 * Validates a config given as data rather than a file (tests, tools): the same checks and
 * defaults as loadConfig. The input is not modified.
 */
export function validateConfig(raw: unknown, options: LoadOptions = {}): Config {
  return check(structuredClone(raw), undefined, "config", options);
}

function check(data: unknown, source: YamlSource | undefined, what: string, options: LoadOptions): Config {
  const fail = (problems: Problem[]): QhError =>
    invalidConfig(
      what,
      problems.map(
        (p): ConfigIssue => ({
          path: formatPath(p.segments),
          message: p.message,
          ...source?.locate(p.segments),
        }),
      ),
    );
  if (data === null || data === undefined) {
    throw fail([{ segments: [], message: "the file is empty; start from config/example-site.yaml" }]);
  }
  const schemaProblems = validateWith(configValidator(), data);
  if (schemaProblems.length > 0) throw fail(schemaProblems);
  const config = data as Config;
  const problems = applyDerivedDefaults(config);
  problems.push(...crossKeyProblems(config));
  problems.push(...vendingProblems(config));
  if (options.models) problems.push(...modelProblems(config, options.models));
  if (options.models) problems.push(...compartmentOverrideProblems(config, options.models));
  if (problems.length > 0) throw fail(problems);
  config.dataDir = resolve(options.dataDir ?? config.dataDir);
  return config;
}

/** Defaults that depend on other keys: a bus's baud rate and, on unaddressed lines, `address`. */
function applyDerivedDefaults(config: Config): Problem[] {
  const out: Problem[] = [];
  config.buses.forEach((bus, b) => {
    bus.baudRate ??= DEFAULT_BAUD_RATES[bus.protocol];
    bus.devices.forEach((dev, d) => {
      if (dev.address !== undefined) return;
      if (UNADDRESSED_PROTOCOLS.includes(bus.protocol)) dev.address = 0;
      else {
        out.push({
          segments: ["buses", b, "devices", d, "address"],
          message: `is required on a ${bus.protocol} bus: the board's address as set on its DIP switches`,
        });
      }
    });
  });
  return out;
}

function isEd25519PublicKey(text: string): boolean {
  try {
    if (text.includes("-----BEGIN")) {
      return createPublicKey(text).asymmetricKeyType === "ed25519";
    }
    const raw = Buffer.from(text.trim(), "base64");
    return raw.length === 32 && raw.toString("base64") === text.trim();
  } catch {
    return false;
  }
}

/**
 * The serial device a bus path names, so that two spellings of one device (a symlink such as
 * /dev/serial/by-id/…, a `..`) are seen as one line: the real path when it exists, else the path
 * made absolute and normalised. `sim://` paths are names, compared as they are.
 */
export function serialDevice(path: string): string {
  if (path.startsWith("sim://")) return path;
  try {
    return realpathSync(path);
  } catch {
    return resolve(path);
  }
}

/**
 * What makes two bus paths one line, beyond their spelling: an existing character device is its
 * major:minor (a second node made by `mknod` or `docker run --device A:B` has another path and
 * the same device), any other existing file its inode (a hard link); otherwise the
 * {@link serialDevice} path.
 */
function serialIdentity(path: string): string {
  const device = serialDevice(path);
  if (path.startsWith("sim://")) return device;
  try {
    const st = statSync(device);
    return st.isCharacterDevice() ? `char ${st.rdev}` : `inode ${st.dev}:${st.ino}`;
  } catch {
    return device;
  }
}

/** How two paths are one device, for the message: the real path, or the device number / inode. */
function sameAs(device: string, other: string, identity: string): string {
  if (device === other) return device;
  const rdev = /^char (\d+)$/.exec(identity);
  if (!rdev) return `one file (hard links: ${identity})`;
  const n = Number(rdev[1]);
  return `character device ${(n >> 8) & 0xfff}:${(n & 0xff) | ((n >> 12) & 0xfff00)}`;
}

/** Checks that span keys: unique ids and paths, addresses, ports, uplink settings. */
function crossKeyProblems(config: Config): Problem[] {
  const out: Problem[] = [];
  const push = (segments: PathSegment[], message: string) => out.push({ segments, message });

  // ids and serial paths unique across the file
  const busIds = new Map<string, PathSegment[]>();
  const busPaths = new Map<string, { id: string; path: string; at: PathSegment[] }>();
  const deviceIds = new Map<string, PathSegment[]>();
  const seeDevice = (id: string, at: PathSegment[]) => {
    const prev = deviceIds.get(id);
    if (prev) push(at, `duplicate device id "${id}" (also at ${formatPath(prev)})`);
    else deviceIds.set(id, at);
  };
  config.buses.forEach((bus, b) => {
    const at: PathSegment[] = ["buses", b, "id"];
    const prev = busIds.get(bus.id);
    if (prev) push(at, `duplicate bus id "${bus.id}" (also at ${formatPath(prev)})`);
    else busIds.set(bus.id, at);
    if (!bus.path.startsWith("sim://") && bus.path.length > 1 && bus.path.endsWith("/")) {
      push(
        ["buses", b, "path"],
        `must not end with / (${bus.path}): a serial device is a file, not a directory; write ${bus.path.replace(/\/+$/, "")}`,
      );
    }
    const device = serialDevice(bus.path);
    const identity = serialIdentity(bus.path);
    const prevPath = busPaths.get(identity);
    if (prevPath) {
      const same =
        prevPath.path === bus.path
          ? `${bus.path} is already bus "${prevPath.id}"`
          : `${bus.path} is the same serial device as bus "${prevPath.id}" (${prevPath.path}): both are ${sameAs(device, serialDevice(prevPath.path), identity)}`;
      push(
        ["buses", b, "path"],
        `${same} (${formatPath(prevPath.at)}); one bus entry per serial line, list all its devices there`,
      );
    } else busPaths.set(identity, { id: bus.id, path: bus.path, at: ["buses", b, "path"] });

    const range = ADDRESS_RANGES[bus.protocol];
    const addresses = new Map<number, number>();
    bus.devices.forEach((dev, d) => {
      seeDevice(dev.id, ["buses", b, "devices", d, "id"]);
      if (dev.address === undefined) return; // missing: already reported
      const addrAt: PathSegment[] = ["buses", b, "devices", d, "address"];
      if (range && (dev.address < range[0] || dev.address > range[1])) {
        push(addrAt, `must be from ${range[0]} to ${range[1]} on a ${bus.protocol} bus: ${range[2]}`);
      }
      const other = addresses.get(dev.address);
      if (other !== undefined && !UNADDRESSED_PROTOCOLS.includes(bus.protocol)) {
        push(
          addrAt,
          `address ${dev.address} is already used by "${bus.devices[other]?.id}" (buses[${b}].devices[${other}]); every board on a bus needs its own address`,
        );
      } else addresses.set(dev.address, d);
    });
    if (bus.protocol === "scanner-line" && bus.devices.length > 1) {
      push(
        ["buses", b, "devices"],
        `a scanner-line bus carries one scanner (found ${bus.devices.length}); give each scanner its own bus`,
      );
    }
  });
  config.devices.forEach((dev, d) => {
    seeDevice(dev.id, ["devices", d, "id"]);
  });

  out.push(...terminalProblems(config, deviceIds));
  out.push(...planogramProblems(config));

  // uplink
  const up = config.uplink;
  if (up.url !== "embedded") {
    let host = "";
    try {
      host = new URL(up.url).hostname;
    } catch {
      // reported below
    }
    if (host === "") {
      push(
        ["uplink", "url"],
        `cannot read a broker host in "${redactUrl(up.url)}"; write it like mqtts://broker.example.com:8883`,
      );
    }
  }
  if (up.reconnect.minMs > up.reconnect.maxMs) {
    push(
      ["uplink", "reconnect", "minMs"],
      `must not exceed uplink.reconnect.maxMs (${up.reconnect.maxMs}), got ${up.reconnect.minMs}`,
    );
  }
  if (up.password !== undefined && up.username === undefined) {
    push(["uplink", "username"], "is required when uplink.password is set");
  }
  if (up.tls) {
    if (up.tls.cert !== undefined && up.tls.key === undefined) {
      push(
        ["uplink", "tls", "key"],
        "is required when uplink.tls.cert is set (the client certificate's private key)",
      );
    }
    if (up.tls.key !== undefined && up.tls.cert === undefined) {
      push(["uplink", "tls", "cert"], "is required when uplink.tls.key is set (the client certificate)");
    }
  }
  if (up.commandKey !== undefined && !isEd25519PublicKey(up.commandKey)) {
    push(
      ["uplink", "commandKey"],
      "must be an Ed25519 public key: PEM (-----BEGIN PUBLIC KEY-----) or base64 of the raw 32 bytes",
    );
  }

  // listeners on distinct ports (0 = any free port, never a clash)
  const listeners: [PathSegment[], number][] = [
    [["deviceBroker", "port"], config.deviceBroker.port],
    [["api", "port"], config.api.port],
  ];
  if (up.url === "embedded") listeners.push([["uplink", "embeddedPort"], up.embeddedPort]);
  listeners.forEach(([at, p], i) => {
    if (p === 0) return;
    const clash = listeners.slice(0, i).find(([, q]) => q === p);
    if (clash) push(at, `port ${p} is also ${formatPath(clash[0])}; give each listener its own port`);
  });
  return out;
}

/**
 * Checks the config's devices against the device models: every bus device's model exists, is a
 * serial model speaking the bus's protocol, and its boards fit on the bus without sharing an
 * address; every MQTT device's model exists (or is generic-mqtt) and is an MQTT model.
 * Throws QH_CONFIG_INVALID.
 */
export function validateModels(config: Config, models: ReadonlyMap<string, DeviceModel>): void {
  const problems = modelProblems(config, models);
  if (problems.length > 0) {
    throw invalidConfig(
      "config",
      problems.map((p) => ({ path: formatPath(p.segments), message: p.message })),
    );
  }
}

function unknownModel(id: string, candidates: string[]): string {
  const guess = suggestKey(id, candidates);
  const list = candidates.length > 0 ? candidates.join(", ") : "none";
  return `unknown model "${id}"${guess ? ` (did you mean "${guess}"?)` : ""}; models that fit here: ${list}. Add a model file under devices/ if yours is missing`;
}

function modelProblems(config: Config, models: ReadonlyMap<string, DeviceModel>): Problem[] {
  const out: Problem[] = [];
  const all = [...models.values()];
  const serialFor = (p: BusProtocol) =>
    all.filter((m) => isSerialModel(m) && m.protocol === p).map((m) => m.id);
  const mqttIds = [
    ...new Set([GENERIC_MQTT_MODEL, ...all.filter((m) => m.kind === "mqtt-device").map((m) => m.id)]),
  ];

  config.buses.forEach((bus, b) => {
    const max = ADDRESS_RANGES[bus.protocol]?.[1] ?? 255;
    const used = new Map<number, { d: number; id: string }>();
    bus.devices.forEach((dev, d) => {
      const at: PathSegment[] = ["buses", b, "devices", d];
      const model = models.get(dev.model);
      if (!model) {
        out.push({ segments: [...at, "model"], message: unknownModel(dev.model, serialFor(bus.protocol)) });
        return;
      }
      if (!isSerialModel(model)) {
        out.push({
          segments: [...at, "model"],
          message: `model "${model.id}" is an MQTT device, not a serial one; list the device under devices: instead`,
        });
        return;
      }
      if (model.protocol !== bus.protocol) {
        out.push({
          segments: [...at, "model"],
          message: `model "${model.id}" speaks ${model.protocol}, but bus "${bus.id}" is ${bus.protocol}; put the device on a ${model.protocol} bus or pick a ${bus.protocol} model (${serialFor(bus.protocol).join(", ") || "none installed"})`,
        });
        return;
      }
      if (UNADDRESSED_PROTOCOLS.includes(bus.protocol) || dev.address === undefined) return;
      const addrs = boardAddresses(model as SerialDeviceModel, dev.address);
      const top = Math.max(...addrs);
      if (top > max) {
        out.push({
          segments: [...at, "address"],
          message: `model "${model.id}" has ${addrs.length} boards at addresses ${addrs.join(", ")}; the highest address on a ${bus.protocol} bus is ${max}, so set address to at most ${dev.address - (top - max)}`,
        });
      }
      for (const a of addrs) {
        const other = used.get(a);
        // the same base address was already reported by the cross-key checks
        if (other && !(a === dev.address && bus.devices[other.d]?.address === a)) {
          out.push({
            segments: [...at, "address"],
            message: `board address ${a} is also used by "${other.id}" (buses[${b}].devices[${other.d}]); model "${model.id}" takes addresses ${addrs.join(", ")}`,
          });
          break;
        }
      }
      for (const a of addrs) if (!used.has(a)) used.set(a, { d, id: dev.id });
    });
  });

  config.devices.forEach((dev, d) => {
    const at: PathSegment[] = ["devices", d, "model"];
    if (dev.model === GENERIC_MQTT_MODEL) return;
    const model = models.get(dev.model);
    if (!model) out.push({ segments: at, message: unknownModel(dev.model, mqttIds) });
    else if (model.kind !== "mqtt-device") {
      out.push({
        segments: at,
        message: `model "${model.id}" is a ${model.kind} on ${model.protocol}, not an MQTT device; list it under a ${model.protocol} bus's devices instead`,
      });
    }
  });
  return out;
}
