/**
 * The signed bytes against vectors made independently of our code: RFC 8785's own published
 * examples, and commands canonicalized by a small Python JCS and signed by Python's
 * `cryptography` and `openssl pkeyutl -rawin` (tests/vectors/make_command_signature_vectors.py).
 * A platform written in Python (json.dumps escapes "住户" as "\u4f4f\u6237", writes 1e-07 and
 * -0.0) publishes exactly the `wire` text; the gateway must verify it.
 */
import { generateKeyPairSync } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  canonicalJson,
  isPublishedTestKey,
  parseCommandKey,
  signedBytes,
  verifyCommand,
} from "../../../src/uplink/signature.js";
import { CONTRACT_DIR } from "../../helpers/contract.js";

interface Vectors {
  publicKeyBase64: string;
  publicKeyPem: string;
  canonicalization: { name: string; input: string; canonical: string }[];
  commands: { name: string; what: string; wire: string; signed: string; sig: string }[];
}
const vectors = JSON.parse(
  readFileSync(join(CONTRACT_DIR, "command-signature-vectors.json"), "utf8"),
) as Vectors;

describe("RFC 8785 canonical JSON (JCS)", () => {
  for (const v of vectors.canonicalization) {
    it(`matches ${v.name}`, () => {
      expect(canonicalJson(JSON.parse(v.input))).toBe(v.canonical);
    });
  }
  it("writes numbers as ECMAScript does and non-ASCII text as UTF-8", () => {
    expect(canonicalJson([0.1, 1e21, 1e-7, -0, 1e20])).toBe("[0.1,1e+21,1e-7,0,100000000000000000000]");
    expect(canonicalJson({ r: "住户" })).toBe('{"r":"住户"}');
    expect(() => canonicalJson({ x: Number.NaN })).toThrow();
  });
});

describe("command signatures against independently signed vectors", () => {
  for (const key of [vectors.publicKeyBase64, vectors.publicKeyPem]) {
    const pub = parseCommandKey(key);
    for (const c of vectors.commands) {
      it(`${c.name}: ${c.what} (${key.startsWith("-----") ? "PEM" : "raw"} key)`, () => {
        const cmd = JSON.parse(c.wire) as Record<string, unknown>;
        expect(signedBytes(cmd, c.name).toString("utf8")).toBe(c.signed);
        expect(verifyCommand(pub, cmd, c.name)).toBe(true);
        // any change of what decides what moves breaks it: gateway, name, id, expiry, device, args
        expect(verifyCommand(pub, { ...cmd, gw: "gw-other" }, c.name)).toBe(false);
        expect(verifyCommand(pub, cmd, `${c.name}x`)).toBe(false);
        expect(verifyCommand(pub, { ...cmd, id: `${cmd.id}x` }, c.name)).toBe(false);
        expect(verifyCommand(pub, { ...cmd, expiresAt: "2031-01-01T00:00:00.000Z" }, c.name)).toBe(false);
        expect(verifyCommand(pub, { ...cmd, device: "locker-z" }, c.name)).toBe(false);
        expect(verifyCommand(pub, { ...cmd, args: { ...(cmd.args as object), extra: 1 } }, c.name)).toBe(
          false,
        );
      });
    }
  }
});

describe("the published test key", () => {
  it("is recognised in base64 and PEM form (the gateway then logs an error at start), another key is not", () => {
    expect(isPublishedTestKey(vectors.publicKeyBase64)).toBe(true);
    expect(isPublishedTestKey(vectors.publicKeyPem)).toBe(true);
    const other = generateKeyPairSync("ed25519").publicKey.export({ type: "spki", format: "pem" }).toString();
    expect(isPublishedTestKey(other)).toBe(false);
  });
});
