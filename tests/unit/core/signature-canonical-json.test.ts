import { generateKeyPairSync, sign } from "node:crypto";
import { describe, expect, it } from "vitest";
import { canonicalJson, parseCommandKey, verifyCommand } from "../../../src/uplink/signature.js";

describe("canonical JSON", () => {
  it("sorts keys at every level and drops whitespace", () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: "x" } })).toBe(
      '{"a":{"c":"x","d":[3,{"y":2,"z":1}]},"b":1}',
    );
    expect(canonicalJson({ a: undefined, b: null })).toBe('{"b":null}');
  });
});

describe("command signatures", () => {
  const kp = generateKeyPairSync("ed25519");
  const pem = kp.publicKey.export({ format: "pem", type: "spki" }).toString();
  const raw = kp.publicKey.export({ format: "der", type: "spki" }).subarray(12).toString("base64");

  it("accepts the key as PEM or raw base64, and refuses anything else with QH_CONFIG_INVALID", () => {
    expect(parseCommandKey(pem).asymmetricKeyType).toBe("ed25519");
    expect(parseCommandKey(raw).asymmetricKeyType).toBe("ed25519");
    expect(() => parseCommandKey("AAAA")).toThrow(expect.objectContaining({ code: "QH_CONFIG_INVALID" }));
  });
  it("verifies over the command without sig, with its name", () => {
    const key = parseCommandKey(raw);
    const cmd = { id: "1", args: { door: "A01" }, expiresAt: "2030-01-01T00:00:00.000Z" };
    const sig = sign(
      null,
      Buffer.from(canonicalJson({ ...cmd, name: "locker.open" })),
      kp.privateKey,
    ).toString("base64");
    expect(verifyCommand(key, { ...cmd, sig }, "locker.open")).toBe(true);
    expect(verifyCommand(key, { ...cmd, sig }, "locker.reserve")).toBe(false);
    expect(verifyCommand(key, { ...cmd, args: { door: "A02" }, sig }, "locker.open")).toBe(false);
    expect(verifyCommand(key, cmd, "locker.open")).toBe(false);
    expect(verifyCommand(key, { ...cmd, sig: "bm9wZQ==" }, "locker.open")).toBe(false);
  });
});
