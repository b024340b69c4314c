/**
 * Proof that a program holds `api.token` without the token crossing the wire: the CLI sends a
 * fresh random nonce to `GET /whoami` (no token), the gateway answers HMAC-SHA256(token,
 * "quarterhour whoami\n" + nonce) in hex, and only a program that answers right is sent the token
 * (a port moved by a flag or QH_API_PORT may lead anywhere: another program must not learn it).
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

/** A nonce as /whoami takes it: 32 to 128 lower-case hex digits. */
export const NONCE_PATTERN = "^[0-9a-f]{32,128}$";

/** A fresh nonce (128 random bits, hex). */
export function newNonce(): string {
  return randomBytes(16).toString("hex");
}

/** The proof for `nonce` under `token` (hex of an HMAC-SHA256). */
export function tokenProof(token: string, nonce: string): string {
  return createHmac("sha256", token).update(`quarterhour whoami\n${nonce}`).digest("hex");
}

/** Whether `proof` (as received, any type) is the proof for `nonce` under `token`; constant time. */
export function proofMatches(token: string, nonce: string, proof: unknown): boolean {
  if (typeof proof !== "string") return false;
  const want = Buffer.from(tokenProof(token, nonce));
  const got = Buffer.from(proof);
  return got.length === want.length && timingSafeEqual(got, want);
}
