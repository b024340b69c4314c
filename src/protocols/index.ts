/**
 * The protocol registry: name → codec entry points. Protocols are pure (no I/O); a link or a bus
 * master picks one by name from config and device-model data.
 *
 *   const p = getProtocol("lockboard-xor");
 *   const decoder = p.createDecoder({ role: "master", openReply: "status" });
 *
 * More protocols are added with registerProtocol() (or by extending BUILTIN below).
 */
import { QhError } from "../core/errors.js";
import * as kerong from "./kerong-cu16/index.js";
import * as lockboard from "./lockboard-xor/index.js";
import * as mdbBridge from "./mdb-bridge-text/index.js";
import * as scanner from "./scanner-line/index.js";
import type { ProtocolDefinition } from "./types.js";

export { fromHex, toHex } from "./bytes.js";
export { createDecoderTransform, DecoderTransform } from "./transform.js";
export type {
  DecodeErrorReason,
  DecodeResult,
  FrameDecoder,
  MessageCodec,
  ProtocolDefinition,
} from "./types.js";

export const lockboardXor: ProtocolDefinition<lockboard.LockboardMessage, lockboard.LockboardDecoderOptions> =
  {
    name: "lockboard-xor",
    defaultBaudRate: lockboard.DEFAULT_BAUD_RATE,
    createDecoder: (options) => lockboard.createLockboardDecoder(options),
    describe: lockboard.describe,
  };

export const kerongCu16: ProtocolDefinition<kerong.KerongMessage, kerong.KerongDecoderOptions> = {
  name: "kerong-cu16",
  defaultBaudRate: kerong.DEFAULT_BAUD_RATE,
  createDecoder: (options) => kerong.createKerongDecoder(options),
  describe: kerong.describe,
};

export const scannerLine: ProtocolDefinition<scanner.ScannerMessage, scanner.ScannerLineOptions> = {
  name: "scanner-line",
  defaultBaudRate: scanner.DEFAULT_BAUD_RATE,
  createDecoder: (options) => scanner.createScannerDecoder(options),
  describe: scanner.describe,
};

export const mdbBridgeText: ProtocolDefinition<
  mdbBridge.MdbBridgeMessage,
  mdbBridge.MdbBridgeDecoderOptions
> = {
  name: "mdb-bridge-text",
  defaultBaudRate: mdbBridge.DEFAULT_BAUD_RATE,
  createDecoder: (options) => mdbBridge.createMdbBridgeDecoder(options),
  describe: mdbBridge.describe,
};

/** Message and decoder-option types of the built-in protocols, by name. */
export interface BuiltinProtocols {
  "lockboard-xor": typeof lockboardXor;
  "kerong-cu16": typeof kerongCu16;
  "scanner-line": typeof scannerLine;
  "mdb-bridge-text": typeof mdbBridgeText;
}

// biome-ignore lint/suspicious/noExplicitAny: the registry holds protocols of any message type
type AnyProtocol = ProtocolDefinition<any, any>;

const registry = new Map<string, AnyProtocol>([
  [lockboardXor.name, lockboardXor],
  [kerongCu16.name, kerongCu16],
  [scannerLine.name, scannerLine],
  [mdbBridgeText.name, mdbBridgeText],
]);

/** The protocol of that name; throws QhError (QH_CONFIG_INVALID) for an unknown name. */
export function getProtocol<N extends keyof BuiltinProtocols>(name: N): BuiltinProtocols[N];
export function getProtocol(name: string): AnyProtocol;
export function getProtocol(name: string): AnyProtocol {
  const p = registry.get(name);
  if (!p) {
    throw new QhError(
      "QH_CONFIG_INVALID",
      `unknown protocol "${name}"; known: ${listProtocols().join(", ")}`,
      {
        protocol: name,
      },
    );
  }
  return p;
}

export function hasProtocol(name: string): boolean {
  return registry.has(name);
}

export function listProtocols(): string[] {
  return [...registry.keys()].sort();
}

/** Add a protocol (e.g. modbus-rtu). Throws if the name is taken. */
export function registerProtocol(protocol: AnyProtocol): void {
  if (registry.has(protocol.name)) {
    throw new QhError("QH_INTERNAL", `protocol "${protocol.name}" is already registered`);
  }
  registry.set(protocol.name, protocol);
}
