/**
 * GET /whoami (no auth): the gateway proves it holds api.token for the CLI's fresh nonce, without
 * the token crossing the wire; a bad nonce is a coded 400; without a token the proof is null.
 */
import type { FastifyInstance } from "fastify";
import { Registry } from "prom-client";
import { afterEach, describe, expect, it } from "vitest";
import { buildApp } from "../../../src/api/app.js";
import { newNonce, proofMatches } from "../../../src/core/token-proof.js";

const TOKEN = "whoami-token-0123456789";
const health = { uplinkConnected: () => true, outboxPending: () => 0, problems: () => [] };

describe("GET /whoami", () => {
  let app: FastifyInstance | undefined;
  afterEach(async () => app?.close());

  it("answers a proof only the token's holder can make, never the token", async () => {
    app = await buildApp({
      registry: new Registry(),
      token: TOKEN,
      whoami: { gateway: "gw-w", bootId: "b1" },
      health,
    });
    const nonce = newNonce();
    const r = await app.inject({ method: "GET", url: `/whoami?nonce=${nonce}` });
    expect(r.statusCode).toBe(200);
    expect(r.body).not.toContain(TOKEN);
    const body = r.json() as { gateway: string; bootId: string; proof: string };
    expect(body).toMatchObject({ gateway: "gw-w", bootId: "b1" });
    expect(proofMatches(TOKEN, nonce, body.proof)).toBe(true);
    expect(proofMatches("another-token-0123456789", nonce, body.proof)).toBe(false);
    expect(proofMatches(TOKEN, newNonce(), body.proof)).toBe(false);
  });

  it("refuses a missing or malformed nonce with a coded 400; no token configured: proof null", async () => {
    app = await buildApp({
      registry: new Registry(),
      token: TOKEN,
      whoami: { gateway: "gw-w", bootId: "b1" },
      health,
    });
    for (const url of ["/whoami", "/whoami?nonce=xyz", `/whoami?nonce=${"A".repeat(32)}`]) {
      const r = await app.inject({ method: "GET", url });
      expect(r.statusCode, url).toBe(400);
      expect(r.json()).toMatchObject({ error: { code: "QH_API_INVALID" } });
    }
    await app.close();
    app = await buildApp({ registry: new Registry(), whoami: { gateway: "gw-w", bootId: "b1" }, health });
    const r = await app.inject({ method: "GET", url: `/whoami?nonce=${newNonce()}` });
    expect(r.json()).toMatchObject({ gateway: "gw-w", proof: null });
  });
});
