/**
 * Signed platform commands. The signed bytes are the RFC 8785 JSON Canonicalization Scheme (JCS)
 * serialization, UTF-8, of the command object as received **without `sig`** and **with
 * `"name": "{the topic's command name}"`** added. The object must carry `gw` (the target
 * gateway's id), so a signature binds the gateway, the command name, its id, expiresAt, device and
 * args: everything that decides what moves. Canonicalization is the `canonicalize` package (by an
 * author of RFC 8785); docs/contract/v1/command-signature-vectors.json holds vectors made by an
 * independent implementation (Python), which the tests check against.
 */
import { createPublicKey, type KeyObject, verify } from "node:crypto";
import canonicalize from "canonicalize";
import { QhError } from "../core/errors.js";

/**
 * RFC 8785 (JCS) canonical JSON of a JSON value: members sorted by their names' UTF-16 code
 * units, no whitespace, numbers as ECMAScript writes them (0.1, 1e+21), strings with only the
 * escapes JSON requires (non-ASCII text is written as UTF-8, never as \u escapes).
 * Throws on values JSON cannot carry (NaN, Infinity, lone surrogates).
 */
export function canonicalJson(v: unknown): string {
  const out = canonicalize(v);
  if (out === undefined) throw new TypeError("not a JSON value");
  return out;
}

/** The exact bytes a platform signs for command `name` (see the module comment). */
export function signedBytes(cmd: Record<string, unknown>, name: string): Buffer {
  const { sig: _omit, ...rest } = cmd;
  return Buffer.from(canonicalJson({ ...rest, name }), "utf8");
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
 * Verify a command's `sig` (base64 Ed25519 signature) over signedBytes(cmd, name). False when
 * the signature is missing, malformed or wrong, or the command cannot be canonicalized.
 */
export function verifyCommand(key: KeyObject, cmd: Record<string, unknown>, name: string): boolean {
  const sig = cmd.sig;
  if (typeof sig !== "string" || sig.length === 0) return false;
  try {
    return verify(null, signedBytes(cmd, name), key, Buffer.from(sig, "base64"));
  } catch {
    return false;
  }
}

/** The public key of the contract's signature test vectors: its private key is published with them. */
const PUBLISHED_TEST_KEY = "Wh7VE8NgzLyFINp1UsB87B5eKty1Vkzw6Dowd0tXH1k=";

/** Whether `uplink.commandKey` (base64 or PEM) is the test vectors' key (anyone can sign with it). */
export function isPublishedTestKey(key: string): boolean {
  return key.replace(/-----[^-]+-----|\s/g, "").endsWith(PUBLISHED_TEST_KEY);
}
