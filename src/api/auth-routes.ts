/**
 * Console login and kiosk pairing routes, under /api/v1 (docs/contract.md "Console and kiosk
 * authentication"):
 *
 *   POST   /session {token}                    → 204, Set-Cookie qh_console (public, guessing limited)
 *   GET    /session                            → 200 {scope: "installer", via} | 401
 *   DELETE /session                            → 204, the cookie cleared
 *   GET    /terminals                          → 200 {terminals: [{id, paired, pairedAt?, expiresAt?, pairingPending}]}
 *   POST   /terminals/{t}/pairing {}           → 200 {terminal, pairingCode, expiresAt, pairUrl}
 *   DELETE /terminals/{t}/credential           → 200 {terminal, revoked}
 *   POST   /kiosk/{t}/pair {pairingCode}       → 204, Set-Cookie qh_kiosk (public, guessing limited)
 *   GET    /kiosk/{t}/whoami                   → 200 {terminal, paired: true} | 401 QH_KIOSK_UNPAIRED
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import { QhError } from "../core/errors.js";
import { type ApiAuth, CONSOLE_COOKIE, KIOSK_COOKIE } from "./auth.js";
import { errorResponses } from "./schemas.js";

const terminalParams = {
  type: "object",
  additionalProperties: false,
  required: ["terminal"],
  properties: { terminal: { type: "string", pattern: "^[A-Za-z0-9_-]{1,64}$" } },
} as const;

const empty = { type: "object", additionalProperties: false, properties: {} } as const;

function cookieOptions(req: FastifyRequest, maxAgeS?: number) {
  return {
    httpOnly: true,
    sameSite: "strict" as const,
    path: "/",
    secure: req.protocol === "https",
    ...(maxAgeS !== undefined ? { maxAge: maxAgeS } : {}),
  };
}

type T = { Params: { terminal: string } };

/** The auth routes; `auth` decides (see auth.ts). */
export function authRoutes(auth: ApiAuth): FastifyPluginAsync {
  return async (app) => {
    app.post<{ Body: { token: string } }>(
      "/session",
      {
        config: { qhPublic: true },
        schema: {
          tags: ["auth"],
          summary: "Console login with the API token: sets the qh_console session cookie",
          body: {
            type: "object",
            additionalProperties: false,
            required: ["token"],
            properties: { token: { type: "string", minLength: 1, maxLength: 512 } },
          },
          response: { 204: { type: "null" }, ...errorResponses(400, 401, 429) },
        },
      },
      async (req, reply) => {
        auth.checkLoginToken(req.body.token, req.ip);
        const value = auth.sessions.create();
        return reply.setCookie(CONSOLE_COOKIE, value, cookieOptions(req)).status(204).send();
      },
    );

    app.get(
      "/session",
      {
        config: { qhPublic: true },
        schema: {
          tags: ["auth"],
          summary: "Who the caller is: the installer, or 401",
          response: {
            200: {
              type: "object",
              required: ["scope", "via"],
              properties: {
                scope: { const: "installer" },
                via: { enum: ["bearer", "session", "open"] },
                idleMinutes: { type: "integer" },
              },
            },
            ...errorResponses(401, 429),
          },
        },
      },
      async (req) => {
        const p = req.qhPrincipal;
        if (p?.scope !== "installer") throw new QhError("QH_API_UNAUTHORIZED", "not logged in");
        return { scope: p.scope, via: p.via, idleMinutes: Math.round(auth.sessions.idleMs / 60_000) };
      },
    );

    app.delete(
      "/session",
      {
        config: { qhPublic: true },
        schema: { tags: ["auth"], summary: "Console logout", response: { 204: { type: "null" } } },
      },
      async (req, reply) => {
        const value = req.cookies[CONSOLE_COOKIE];
        if (value) auth.sessions.end(value);
        return reply.clearCookie(CONSOLE_COOKIE, cookieOptions(req)).status(204).send();
      },
    );

    app.get(
      "/terminals",
      {
        schema: {
          tags: ["auth"],
          summary: "The site's kiosk terminals and whether each is paired",
          response: {
            200: {
              type: "object",
              required: ["terminals"],
              properties: {
                terminals: {
                  type: "array",
                  items: {
                    type: "object",
                    required: ["id", "paired", "pairingPending"],
                    properties: {
                      id: { type: "string" },
                      paired: { type: "boolean" },
                      pairedAt: { type: "string" },
                      expiresAt: { type: "string" },
                      pairingPending: { type: "boolean" },
                    },
                  },
                },
              },
            },
            ...errorResponses(401, 403),
          },
        },
      },
      async () => ({ terminals: terminalList(auth) }),
    );

    app.post<T>(
      "/terminals/:terminal/pairing",
      {
        schema: {
          tags: ["auth"],
          summary: "A one-time pairing code for a kiosk terminal (8 digits, valid 10 minutes)",
          params: terminalParams,
          body: empty,
          response: {
            200: {
              type: "object",
              required: ["terminal", "pairingCode", "expiresAt", "pairUrl"],
              properties: {
                terminal: { type: "string" },
                pairingCode: { type: "string" },
                expiresAt: { type: "string" },
                pairUrl: { type: "string" },
              },
            },
            ...errorResponses(400, 401, 403, 404),
          },
        },
      },
      async (req) => ({
        terminal: req.params.terminal,
        ...auth.createPairingCode(req.params.terminal),
        pairUrl: `/kiosk/${req.params.terminal}`,
      }),
    );

    app.delete<T>(
      "/terminals/:terminal/credential",
      {
        schema: {
          tags: ["auth"],
          summary: "Revoke a kiosk terminal's credential (its screen must pair again)",
          params: terminalParams,
          response: {
            200: {
              type: "object",
              required: ["terminal", "revoked"],
              properties: { terminal: { type: "string" }, revoked: { type: "integer" } },
            },
            ...errorResponses(401, 403, 404),
          },
        },
      },
      async (req) => ({ terminal: req.params.terminal, revoked: auth.revoke(req.params.terminal) }),
    );

    app.post<T & { Body: { pairingCode: string } }>(
      "/kiosk/:terminal/pair",
      {
        config: { qhPublic: true },
        schema: {
          tags: ["kiosk"],
          summary: "Pair this screen with the terminal: sets the qh_kiosk cookie",
          params: terminalParams,
          body: {
            type: "object",
            additionalProperties: false,
            required: ["pairingCode"],
            properties: { pairingCode: { type: "string", pattern: "^[0-9]{8}$" } },
          },
          response: { 204: { type: "null" }, ...errorResponses(400, 403, 404, 409, 429) },
        },
      },
      async (req, reply) => pairHandler(auth, req, reply),
    );

    app.get<T>(
      "/kiosk/:terminal/whoami",
      {
        config: { qhPublic: true },
        schema: {
          tags: ["kiosk"],
          summary: "Whether this screen is paired with the terminal",
          params: terminalParams,
          response: {
            200: {
              type: "object",
              required: ["terminal", "paired"],
              properties: { terminal: { type: "string" }, paired: { const: true } },
            },
            ...errorResponses(401, 404),
          },
        },
      },
      async (req) => {
        const t = req.params.terminal;
        auth.requireTerminal(t);
        const k = auth.kioskOf(req);
        if ("terminal" in k && k.terminal === t) return { terminal: t, paired: true };
        const why =
          "terminal" in k
            ? `paired with terminal ${k.terminal}, not ${t}`
            : k.why === "none"
              ? "not paired"
              : k.why;
        throw new QhError("QH_KIOSK_UNPAIRED", `this screen's credential for ${t}: ${why}`, {
          reason: "terminal" in k ? "other_terminal" : k.why,
        });
      },
    );
  };
}

async function pairHandler(
  auth: ApiAuth,
  req: FastifyRequest<T & { Body: { pairingCode: string } }>,
  reply: FastifyReply,
) {
  try {
    const c = auth.pair(req.params.terminal, req.body.pairingCode, req.ip);
    const maxAgeS = Math.floor(auth.kioskCredentialMs / 1000);
    return reply.setCookie(KIOSK_COOKIE, c.value, cookieOptions(req, maxAgeS)).status(204).send();
  } catch (err) {
    const code = (err as QhError).code;
    if (code === "QH_KIOSK_PAIRING_CODE_WRONG" || code === "QH_KIOSK_PAIRING_CODE_SPENT")
      req.log.warn({ terminal: req.params.terminal, address: req.ip, code }, "kiosk pairing refused");
    const d = (err as QhError).details as { retryAfterS?: number } | undefined;
    if (d?.retryAfterS) reply.header("retry-after", String(d.retryAfterS));
    throw err;
  }
}

function terminalList(auth: ApiAuth) {
  const live = auth.paired();
  return auth.terminalIds().map((id) => {
    const c = live.get(id);
    return {
      id,
      paired: c !== undefined,
      ...(c
        ? { pairedAt: new Date(c.pairedAt).toISOString(), expiresAt: new Date(c.expiresAt).toISOString() }
        : {}),
      pairingPending: auth.pairingPending(id),
    };
  });
}
