import { createPublicKey, type KeyObject, verify } from "node:crypto";
import { QhError } from "../core/errors.js";

/** Canonical JSON: object keys sorted, no whitespace. The bytes a platform signs. */
export function canonicalJson(v: unknown): string {
  if (v === null || typeof v !== "object") return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(",")}]`;
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o)
    .filter((k) => o[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(",")}}`;
}

const ED25519_SPKI_PREFIX = Buffer.from("302a300506032b6570032100", "hex");

/** `uplink.commandKey`: a PEM public key, or base64 of the raw 32-byte Ed25519 key. */
export function parseCommandKey(text: string): KeyObject {
  try {
    if (text.includes("BEGIN")) return createPublicKey(text);
    const raw = Buffer.from(text.trim(), "base64");
    if (raw.length !== 32) throw new Error(`expected 32 bytes, got ${raw.length}`);
    return createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, raw]), format: "der", type: "spki" });
  } catch (err) {
    throw new QhError(
      "QH_CONFIG_INVALID",
      `uplink.commandKey: not an Ed25519 public key (${(err as Error).message})`,
    );
  }
}

/**
 * Verify a command's `sig` (base64 Ed25519 signature) over the canonical JSON of the command
 * object without its `sig` member, and with its topic's `name`.
 */
export function verifyCommand(key: KeyObject, cmd: Record<string, unknown>, name: string): boolean {
  const sig = cmd.sig;
  if (typeof sig !== "string" || sig.length === 0) return false;
  const { sig: _omit, ...rest } = cmd;
  const signed = canonicalJson({ ...rest, name });
  try {
    return verify(null, Buffer.from(signed), key, Buffer.from(sig, "base64"));
  } catch {
    return false;
  }
}
