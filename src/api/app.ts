/**
 * The HTTP app factory (fastify): one plugin per concern. `/health` and `/metrics` without auth;
 * everything under `/api/v1` needs `Authorization: Bearer <api.token>` and has a JSON Schema.
 *
 * Input is taken literally: Ajv runs with `coerceTypes: false` (fastify's default would turn the
 * number 123456 into the string "123456", and 012345 would lose its zero), and a JSON body with a
 * `__proto__` key or a `constructor.prototype` is refused with a message saying so
 * (secure-json-parse, the parser fastify itself uses), as is a body that is not valid UTF-8 (never
 * decoded with replacement characters).
 */
import { isUtf8 } from "node:buffer";
import { isIP } from "node:net";
import fastifyCookie from "@fastify/cookie";
import Fastify, { type FastifyInstance, type FastifyPluginAsync, type FastifyReply } from "fastify";
import type { Registry } from "prom-client";
import sjson from "secure-json-parse";
import { ERRORS, isQhError, QhError } from "../core/errors.js";
import type { ClockStatus } from "../core/timekeeper.js";
import { NONCE_PATTERN, tokenProof } from "../core/token-proof.js";
import { diskWriteError, isDiskWriteFailure } from "../store/disk.js";
import type { UplinkHealth } from "../uplink/connection.js";
import { ApiAuth } from "./auth.js";
import { authRoutes } from "./auth-routes.js";
import { type HostGuardOptions, hostGuard } from "./host-guard.js";
import { openApiRoute, registerOpenApi } from "./openapi.js";

/** Hints for fastify's own 4xx refusals. */
const HTTP_HINTS: Record<number, string> = {
  400: "Fix the request as the message says (a malformed URL or parameter).",
  403: "This path or request was refused: ask for a route or a file the pages link to.",
  413: "Send a smaller body: the API takes small JSON objects only.",
  414: "Send a shorter URL.",
  415: "Send the body as Content-Type: application/json.",
  431: "Send fewer or smaller headers.",
};

export interface HealthSource {
  uplinkConnected(): boolean;
  outboxPending(): number;
  /** events the verticals committed that wait for the event store (e.g. locker_outbox), by table */
  outboxWaiting?(): Record<string, number>;
  /** extra reasons to report degraded (disk low, a bus down, the store failing writes) */
  problems(): string[];
  /** extra lines worth a look that leave status "ok" (a cold zone in temperature alarm) */
  warnings?(): string[];
  /** the uplink's details (keepalive, why the last connection ended) */
  uplink?(): UplinkHealth;
  /** the clock: synchronised or not, and why */
  clock?(): ClockStatus;
  /** the site's service mode (issue 11): `{ mode, since, until, reason }` */
  mode?(): { mode: string; since: string; until: string | null; reason: string | null };
}

export interface AppOptions {
  registry: Registry;
  health: HealthSource;
  token?: string;
  /**
   * Who may call what (src/api/auth.ts): console sessions, kiosk terminal credentials. Absent: one
   * is made from `token` alone (no terminals: pairing answers 404).
   */
  auth?: ApiAuth;
  /** the version in the OpenAPI document (package.json's) */
  version?: string;
  /** plugins registered under /api/v1, behind the auth hook (installer; kiosk on its own routes) */
  apiPlugins?: FastifyPluginAsync[];
  /** plugins registered at the root, without the bearer token (the pages: src/api/pages.ts) */
  rootPlugins?: FastifyPluginAsync[];
  /**
   * Who answers `GET /whoami?nonce=` (no token): the gateway id, its boot, and a proof that it
   * holds api.token (src/core/token-proof.ts), so that the CLI sends the token to it only.
   */
  whoami?: { gateway: string; bootId: string };
  logger?: boolean;
  /** The Host and Origin guard of every route (src/api/host-guard.ts); absent: loopback names only. */
  hosts?: HostGuardOptions;
  /**
   * Reverse proxies whose `X-Forwarded-Proto` / `-For` / `-Host` are believed (fastify's
   * `trustProxy`, config `api.trustProxy`): addresses or CIDRs. Absent or empty: ignored.
   */
  trustProxy?: string[];
}

/** HTTP status of a coded domain error. */
export function httpStatusFor(code: string): number {
  if (code === "QH_API_UNAUTHORIZED" || code === "QH_KIOSK_UNPAIRED") return 401;
  if (code === "QH_API_SCOPE" || code === "QH_KIOSK_PAIRING_CODE_WRONG") return 403;
  if (code === "QH_API_GUESSING") return 429;
  if (code === "QH_API_HOST") return 421;
  if (code === "QH_API_ORIGIN" || code === "QH_PAGES_PATH_REFUSED") return 403;
  if (code === "QH_PAGES_NOT_FOUND") return 404;
  if (code === "QH_CONFIG_WRITE") return 503;
  if (code.endsWith("_UNKNOWN")) return 404;
  if (code.endsWith("_INVALID")) return 400;
  if (code.startsWith("QH_GS1_")) return 400; // a scan that cannot be read (docs/traceability.md)
  if (code === "QH_LOCKER_CODE_WRONG") return 403;
  if (code === "QH_LOCKER_LOCKED_OUT" || code === "QH_LOCKER_SITE_SLOWED") return 429;
  if (
    code === "QH_LOCKER_UNREACHABLE" ||
    code === "QH_STORE_FULL" ||
    code === "QH_STORE_IO" ||
    code === "QH_STORE_CLOSED"
  )
    return 503;
  return 409;
}

/**
 * The /health body. `problems`: the gateway cannot do (part of) its job: status "degraded", HTTP
 * 503. `warnings`: true, worth a look, but the job goes on: status stays "ok", HTTP 200. An
 * unsynchronised clock is a warning: lockers work offline on it (durations run on the monotonic
 * clock, records carry `"clock": "unsynced"`, deadlines are re-anchored when it is corrected), and
 * a Pi without a battery clock starts every boot unsynchronised: a 503 there would have monitors
 * restart or page about a box that is doing its job.
 */
export function healthReport(src: HealthSource) {
  const uplink = src.uplink?.() ?? { connected: src.uplinkConnected() };
  const problems = src.problems();
  if (!uplink.connected) {
    const drop = "lastDrop" in uplink ? uplink.lastDrop : undefined;
    problems.unshift(
      drop?.reason === "half-open"
        ? `uplink disconnected: the last connection was half-open (nothing came back within ${Math.round(1.5 * (uplink as UplinkHealth).keepaliveSeconds)} s); reconnecting`
        : "uplink disconnected",
    );
  }
  const clock = src.clock?.();
  const warnings: string[] = [...(src.warnings?.() ?? [])];
  if (clock && !clock.synced) {
    warnings.push(
      clock.behindHighWater
        ? "clock unsynchronised: the wall clock is behind the last recorded time (running on from it)"
        : clock.mode === "no"
          ? "clock unsynchronised: clock.synchronized is no"
          : "clock unsynchronised: the OS says the wall clock is not synchronised (NTP)",
    );
  }
  return {
    status: problems.length === 0 ? ("ok" as const) : ("degraded" as const),
    uplink,
    outbox: { pending: src.outboxPending(), ...(src.outboxWaiting ? { waiting: src.outboxWaiting() } : {}) },
    problems,
    warnings,
    ...(clock ? { clock } : {}),
    ...(src.mode ? { mode: src.mode() } : {}),
  };
}

/**
 * A browser opening a link (GET, `Accept` naming text/html, as every browser sends for a
 * navigation) to a page under /api/v1: sent to the login page rather than shown a 401 JSON. API
 * clients (the pages' fetch, the CLI, curl) ask for JSON or anything and keep the coded 401.
 */
export function isBrowserNavigation(req: { method: string; url: string; headers: Record<string, unknown> }) {
  const accept = req.headers.accept;
  return (
    req.method === "GET" &&
    req.url.startsWith("/api/v1/") &&
    typeof accept === "string" &&
    accept.toLowerCase().includes("text/html")
  );
}

/** A body refused before validation: the error the JSON parser hands to fastify. */
class BodyRefused extends Error {
  readonly statusCode = 400;
  constructor(
    message: string,
    readonly refused: string,
  ) {
    super(message);
  }
}

/**
 * The JSON body parser: secure-json-parse with both poisoning actions set to `error`, and an
 * error that names what was refused (fastify's own parser says only "Body is not valid JSON").
 */
export function parseJsonBody(text: string): unknown {
  if (text.length === 0) throw new BodyRefused("the body is empty; send a JSON object", "empty");
  try {
    return sjson.parse(text, { protoAction: "error", constructorAction: "error" });
  } catch (err) {
    if (!(err instanceof SyntaxError) || !err.message.includes("forbidden prototype property")) {
      throw new BodyRefused(`the body is not valid JSON (${(err as Error).message})`, "syntax");
    }
    // which one: parse again ignoring constructor poisoning
    let proto = false;
    try {
      sjson.parse(text, { protoAction: "error", constructorAction: "ignore" });
    } catch {
      proto = true;
    }
    throw proto
      ? new BodyRefused(
          'the body was refused: it contains a "__proto__" key (prototype poisoning); remove that key',
          "__proto__",
        )
      : new BodyRefused(
          'the body was refused: it contains a "constructor" object with a "prototype" key (prototype poisoning); remove it',
          "constructor.prototype",
        );
  }
}

/**
 * The proxy list for fastify's `trustProxy`, each entry checked first (proxy-addr would throw a
 * bare TypeError at start): QH_CONFIG_INVALID naming `api.trustProxy[i]`.
 */
function trustedProxies(list: readonly string[]): string[] {
  list.forEach((entry, i) => {
    if (["loopback", "linklocal", "uniquelocal"].includes(entry)) return;
    const [addr, bits, ...rest] = entry.split("/");
    const family = isIP(addr ?? "");
    const max = family === 4 ? 32 : 128;
    const badBits = bits !== undefined && !(/^\d{1,3}$/.test(bits) && Number(bits) <= max);
    if (family === 0 || badBits || rest.length > 0)
      throw new QhError(
        "QH_CONFIG_INVALID",
        `api.trustProxy[${i}]: "${entry}" is not an IP address or CIDR (or loopback, linklocal, uniquelocal)`,
      );
  });
  return [...list];
}

export async function buildApp(o: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: o.logger ?? false,
    // only the listed proxies' X-Forwarded-* count (req.protocol for Secure cookies, req.ip for the guards)
    ...(o.trustProxy && o.trustProxy.length > 0 ? { trustProxy: trustedProxies(o.trustProxy) } : {}),
    // no coercion anywhere: a code sent as a number is a 400 naming the field, never a string
    ajv: { customOptions: { allErrors: true, removeAdditional: false, coerceTypes: false } },
    onProtoPoisoning: "error",
    // errors the router raises before any route runs (a malformed percent-encoding in the URL)
    frameworkErrors: (err, _req, res) => {
      (res as unknown as FastifyReply).status(400).send({
        error: {
          code: "QH_API_INVALID",
          message: err.message,
          hint: HTTP_HINTS[400] ?? ERRORS.QH_API_INVALID,
        },
      });
    },
    onConstructorPoisoning: "error",
  });
  app.addHook("onRequest", hostGuard(o.hosts ?? {}));
  await registerOpenApi(app, o.version ?? "0.0.0");
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser("application/json", { parseAs: "buffer" }, (_req, body, done) => {
    try {
      // decoding as a string would turn invalid bytes into U+FFFD: input is taken literally
      if (!isUtf8(body as Buffer))
        throw new BodyRefused("the body is not valid UTF-8; send JSON text encoded in UTF-8", "utf8");
      done(null, parseJsonBody((body as Buffer).toString("utf8")));
    } catch (err) {
      done(err as Error, undefined);
    }
  });

  app.setErrorHandler((err, req, reply) => {
    if (isQhError(err, "QH_API_UNAUTHORIZED") && isBrowserNavigation(req)) {
      // a person opened an API link (a commissioning report) while logged out: the login page,
      // then back to the link (the console reads ?next=, same-origin /api/v1 paths only)
      return reply.redirect(`/?next=${encodeURIComponent(req.url)}`, 303);
    }
    if (isQhError(err)) return reply.status(httpStatusFor(err.code)).send({ error: err.toJSON() });
    if (isDiskWriteFailure(err)) {
      // a write path that did not classify its own failure: still a coded answer, not a 500
      const coded = diskWriteError(err, `${req.method} ${req.url}`);
      return reply.status(503).send({ error: coded.toJSON() });
    }
    if (err instanceof BodyRefused) {
      return reply.status(400).send({
        error: {
          code: "QH_API_INVALID",
          message: err.message,
          hint: "Send a plain JSON object with only the fields the API documents.",
          details: { refused: err.refused },
        },
      });
    }
    const e = err as {
      validation?: unknown;
      validationContext?: string;
      statusCode?: number;
      message: string;
    };
    if (e.validation) {
      const part =
        e.validationContext === "querystring"
          ? "query"
          : e.validationContext === "params"
            ? "path"
            : e.validationContext === "headers"
              ? "headers"
              : "body";
      return reply.status(400).send({
        error: {
          code: "QH_API_INVALID",
          message: e.message,
          hint: `Fix the request ${part} as the details say.`,
          details: e.validation,
        },
      });
    }
    const status = e.statusCode && e.statusCode >= 400 ? e.statusCode : 500;
    if (status >= 500) {
      req.log?.error?.({ err: e.message }, "unexpected API error");
      return reply.status(500).send({ error: new QhError("QH_INTERNAL", e.message).toJSON() });
    }
    // fastify's own refusals (body too large, unsupported content type, bad URL, long parameter):
    // coded, with a hint, like every other answer
    return reply.status(status).send({
      error: {
        code: "QH_API_INVALID",
        message: e.message,
        hint: HTTP_HINTS[status] ?? ERRORS.QH_API_INVALID,
      },
    });
  });
  app.setNotFoundHandler((req, reply) => {
    const path = req.url.split("?")[0] ?? "";
    const api = path.startsWith("/api/") || ["/health", "/metrics", "/whoami"].includes(path);
    return reply.status(404).send({
      error: (api
        ? new QhError("QH_API_NOT_FOUND", `${req.method} ${path} is not a route of this API`)
        : new QhError("QH_PAGES_NOT_FOUND", `nothing is served at ${path}`)
      ).toJSON(),
    });
  });

  app.get(
    "/health",
    {
      schema: {
        response: {
          "2xx": { $ref: "health#" },
          "5xx": { $ref: "health#" },
        },
      },
    },
    async (_req, reply) => {
      const h = healthReport(o.health);
      return reply.status(h.status === "ok" ? 200 : 503).send(h);
    },
  );
  app.addSchema({
    $id: "health",
    type: "object",
    required: ["status", "uplink", "outbox"],
    properties: {
      status: { enum: ["ok", "degraded"] },
      uplink: {
        type: "object",
        properties: {
          connected: { type: "boolean" },
          keepaliveSeconds: { type: "integer" },
          lastDrop: {
            type: "object",
            properties: { reason: { type: "string" }, at: { type: "string" }, message: { type: "string" } },
          },
        },
      },
      outbox: {
        type: "object",
        properties: {
          pending: { type: "integer" },
          waiting: { type: "object", additionalProperties: { type: "integer" } },
        },
      },
      problems: { type: "array", items: { type: "string" } },
      warnings: { type: "array", items: { type: "string" } },
      clock: {
        type: "object",
        properties: {
          synced: { type: "boolean" },
          mode: { type: "string" },
          via: { type: "string" },
          offsetMs: { type: "integer" },
          behindHighWater: { type: "boolean" },
          lastCorrection: {
            type: "object",
            properties: { deltaMs: { type: "integer" }, at: { type: "string" } },
          },
          recordedAheadMs: { type: "integer" },
        },
      },
      mode: {
        type: "object",
        properties: {
          mode: { enum: ["normal", "emergency"] },
          since: { type: "string" },
          until: { type: ["string", "null"] },
          reason: { type: ["string", "null"] },
        },
      },
    },
  });

  if (o.whoami) {
    const who = o.whoami;
    app.get<{ Querystring: { nonce: string } }>(
      "/whoami",
      {
        schema: {
          querystring: {
            type: "object",
            required: ["nonce"],
            properties: { nonce: { type: "string", pattern: NONCE_PATTERN } },
          },
        },
      },
      async (req) => ({
        gateway: who.gateway,
        bootId: who.bootId,
        proof: o.token ? tokenProof(o.token, req.query.nonce) : null,
      }),
    );
  }

  app.get("/metrics", async (_req, reply) => {
    reply.header("content-type", o.registry.contentType);
    return o.registry.metrics();
  });

  await app.register(fastifyCookie);
  const auth = o.auth ?? new ApiAuth({ token: o.token });
  await app.register(
    async (api) => {
      api.addHook("onRequest", auth.hook);
      await api.register(authRoutes(auth));
      await api.register(openApiRoute(app));
      for (const p of o.apiPlugins ?? []) await api.register(p);
    },
    { prefix: "/api/v1" },
  );
  for (const p of o.rootPlugins ?? []) await app.register(p);
  return app;
}
