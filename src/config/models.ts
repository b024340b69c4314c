/**
 * Device models: data files under devices/ (one model per file, YAML or JSON), validated against
 * devices/schema.json and a few checks a schema cannot express (unique compartment ids, locks that
 * exist on their board). An installer adds a model by adding a file; see docs/configuration.md.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { basename, extname, isAbsolute, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import type { ValidateFunction } from "ajv";
import { QhError } from "../core/errors.js";
import {
  type ConfigIssue,
  createAjv,
  formatPath,
  invalidConfig,
  type PathSegment,
  validateWith,
} from "./issues.js";
import type { BusProtocol, LockboardXorOptions, ScannerLineOptions } from "./schema.js";
import { parseYaml } from "./yaml.js";

/** The repository's devices/ directory (the same from src/config and from dist/config). */
export const DEFAULT_MODELS_DIR = fileURLToPath(new URL("../../devices/", import.meta.url));

/** The schema every model file is validated against (always the repository's). */
export const MODEL_SCHEMA_FILE = join(DEFAULT_MODELS_DIR, "schema.json");

/** The model any MQTT device may use without a model file of its own. */
export const GENERIC_MQTT_MODEL = "generic-mqtt";

export const MODEL_KINDS = ["locker-bank", "scanner", "mqtt-device", "vending-machine"] as const;
export type ModelKind = (typeof MODEL_KINDS)[number];

export const COMPARTMENT_SIZES = ["XS", "S", "M", "L", "XL"] as const;
export type CompartmentSize = (typeof COMPARTMENT_SIZES)[number];

/** Temperature zones of a compartment (chilled and frozen come with the cold chain). */
export const ZONES = ["ambient"] as const;
export type Zone = (typeof ZONES)[number];

/** Most locks one board of a protocol can drive, where the protocol caps it. */
export const MAX_LOCKS_PER_BOARD: Readonly<Partial<Record<BusProtocol, number>>> = { "kerong-cu16": 16 };

interface ModelBase {
  /** Unique model id; also the file's name without extension. */
  id: string;
  name: string;
  vendor: string;
  description?: string;
  /** The file the model was loaded from (absolute path). */
  file: string;
}

export interface BoardSpec {
  /** The board's bus address is the device's `address` + `offset`. */
  offset: number;
  /** Locks wired to the board, numbered from 1. */
  locks: number;
  sensors: { door: boolean; presence: boolean };
}

export interface CompartmentSpec {
  /** Unique within the model, e.g. A01; shown to couriers and on door labels. */
  id: string;
  /** Index into `boards` (0-based). */
  board: number;
  /** Lock number on that board, from 1 (as printed on the board). */
  lock: number;
  size: CompartmentSize;
  zone: Zone;
  /** Inside height, width, depth in cm. */
  dimensionsCm?: [number, number, number];
}

export interface LockerBankModel extends ModelBase {
  kind: "locker-bank";
  protocol: "lockboard-xor" | "kerong-cu16";
  protocolOptions: LockboardXorOptions & Record<string, unknown>;
  boards: BoardSpec[];
  compartments: CompartmentSpec[];
}

export interface ScannerModel extends ModelBase {
  kind: "scanner";
  protocol: "scanner-line";
  protocolOptions: ScannerLineOptions;
}

/** A vending machine reached through an MDB bridge (the gateway is its cashless reader). */
export interface VendingMachineModel extends ModelBase {
  kind: "vending-machine";
  protocol: "mdb-bridge-text";
  protocolOptions: Record<string, unknown>;
}

export interface MqttDeviceModel extends ModelBase {
  kind: "mqtt-device";
  /** Event types the device sends; `*` = any. Omitted in the file: `["*"]`. */
  events: string[];
  /** Telemetry metric names; `*` = any. */
  metrics: string[];
  /** Command names the device takes; `*` = any. */
  commands: string[];
}

export type SerialDeviceModel = LockerBankModel | ScannerModel | VendingMachineModel;
export type DeviceModel = SerialDeviceModel | MqttDeviceModel;

export function isSerialModel(m: DeviceModel): m is SerialDeviceModel {
  return m.kind !== "mqtt-device";
}

/** Bus addresses a device of this model occupies when set to `address`. */
export function boardAddresses(model: DeviceModel, address: number): number[] {
  return model.kind === "locker-bank" ? model.boards.map((b) => address + b.offset) : [address];
}

let validator: ValidateFunction | undefined;
function modelValidator(): ValidateFunction {
  if (!validator) {
    const schema = JSON.parse(readFileSync(MODEL_SCHEMA_FILE, "utf8")) as object;
    validator = createAjv().compile(schema);
  }
  return validator;
}

/** A file name to show: relative to the working directory when inside it. */
function shown(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel !== "" && !rel.startsWith("..") && !isAbsolute(rel) ? rel : file;
}

/** Checks that span keys of one (schema-valid) model. */
function semanticIssues(
  model: DeviceModel,
  fileName: string,
): { segments: PathSegment[]; message: string }[] {
  const out: { segments: PathSegment[]; message: string }[] = [];
  const stem = basename(fileName, extname(fileName));
  if (model.id !== stem) {
    out.push({
      segments: ["id"],
      message: `must match the file name: "${model.id}" is in ${basename(fileName)}; rename the file to ${model.id}${extname(fileName)} or change the id`,
    });
  }
  if (model.kind !== "locker-bank") return out;

  const offsets = new Map<number, number>();
  const maxLocks = MAX_LOCKS_PER_BOARD[model.protocol];
  model.boards.forEach((b, i) => {
    const prev = offsets.get(b.offset);
    if (prev !== undefined) {
      out.push({
        segments: ["boards", i, "offset"],
        message: `duplicate board offset ${b.offset} (also at boards[${prev}].offset); each board needs its own address`,
      });
    } else offsets.set(b.offset, i);
    if (maxLocks !== undefined && b.locks > maxLocks) {
      out.push({
        segments: ["boards", i, "locks"],
        message: `must be at most ${maxLocks}: a ${model.protocol} board drives ${maxLocks} locks`,
      });
    }
  });

  const ids = new Map<string, number>();
  const locks = new Map<string, number>();
  model.compartments.forEach((c, i) => {
    const prevId = ids.get(c.id);
    if (prevId !== undefined) {
      out.push({
        segments: ["compartments", i, "id"],
        message: `duplicate compartment id "${c.id}" (also at compartments[${prevId}].id)`,
      });
    } else ids.set(c.id, i);
    const board = model.boards[c.board];
    if (!board) {
      out.push({
        segments: ["compartments", i, "board"],
        message: `board ${c.board} does not exist: boards are numbered 0 to ${model.boards.length - 1} in the order of the boards list`,
      });
      return;
    }
    if (c.lock > board.locks) {
      out.push({
        segments: ["compartments", i, "lock"],
        message: `lock ${c.lock} does not exist: board ${c.board} has ${board.locks} locks (1-${board.locks})`,
      });
    }
    const key = `${c.board}/${c.lock}`;
    const prevLock = locks.get(key);
    if (prevLock !== undefined) {
      out.push({
        segments: ["compartments", i, "lock"],
        message: `board ${c.board} lock ${c.lock} is already compartment "${model.compartments[prevLock]?.id}" (compartments[${prevLock}]); one lock opens one compartment`,
      });
    } else locks.set(key, i);
  });
  return out;
}

/**
 * Defaults that depend on the kind (so they cannot be schema defaults): serial models get empty
 * `protocolOptions`, MQTT models `["*"]` for undeclared events, metrics and commands.
 */
function withDefaults(data: Record<string, unknown>, file: string): DeviceModel {
  if (data.kind === "mqtt-device") {
    return { events: ["*"], metrics: ["*"], commands: ["*"], ...data, file } as MqttDeviceModel;
  }
  return { protocolOptions: {}, ...data, file } as SerialDeviceModel;
}

/**
 * Validates one model file's text. Returns the model (defaults filled in) or the problems, each
 * naming the file and the key path.
 */
export function parseModel(file: string, text: string): { model?: DeviceModel; issues: ConfigIssue[] } {
  const name = shown(file);
  const parsed = parseYaml(text);
  if (!parsed.source) return { issues: parsed.issues.map((i) => ({ ...i, file: name })) };
  const { data, locate } = parsed.source;
  const where = (segments: PathSegment[], message: string): ConfigIssue => ({
    file: name,
    path: formatPath(segments),
    message,
    ...locate(segments),
  });
  if (data === null || data === undefined) {
    return {
      issues: [where([], "the file is empty; a model file is a mapping with id, name, vendor and kind")],
    };
  }
  const issues = validateWith(modelValidator(), data).map((i) => where(i.segments, i.message));
  if (issues.length > 0) return { issues };
  const model = withDefaults(data as Record<string, unknown>, file);
  const semantic = semanticIssues(model, file).map((i) => where(i.segments, i.message));
  return semantic.length > 0 ? { issues: semantic } : { model, issues: [] };
}

const MODEL_EXTENSIONS = new Set([".yaml", ".yml", ".json"]);

/**
 * Loads every model file in `dir` (not recursive; `schema.json` is skipped). Throws
 * QH_CONFIG_INVALID listing every problem in every file (file, key path, reason), including
 * duplicate ids; QH_CONFIG_UNREADABLE when the directory or a file cannot be read.
 */
export function loadModels(dir: string = DEFAULT_MODELS_DIR): Map<string, DeviceModel> {
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch (e) {
    throw new QhError(
      "QH_CONFIG_UNREADABLE",
      `Cannot read the device model directory ${dir}: ${(e as Error).message}`,
    );
  }
  const models = new Map<string, DeviceModel>();
  const issues: ConfigIssue[] = [];
  for (const n of names) {
    const file = join(dir, n);
    if (n === "schema.json" || !MODEL_EXTENSIONS.has(extname(n))) continue;
    let text: string;
    try {
      if (!statSync(file).isFile()) continue;
      text = readFileSync(file, "utf8");
    } catch (e) {
      throw new QhError("QH_CONFIG_UNREADABLE", `Cannot read device model ${file}: ${(e as Error).message}`);
    }
    const r = parseModel(file, text);
    issues.push(...r.issues);
    if (!r.model) continue;
    const prev = models.get(r.model.id);
    if (prev) {
      issues.push({
        file: shown(file),
        path: "id",
        message: `duplicate model id "${r.model.id}" (also in ${shown(prev.file)}); model ids must be unique`,
      });
      continue;
    }
    models.set(r.model.id, r.model);
  }
  if (issues.length > 0) throw invalidConfig(`device models in ${shown(dir)}`, issues);
  return models;
}
