/**
 * The CLI's way into a running gateway: its HTTP API (`api.host:api.port/api/v1`, bearer
 * `api.token`), after checking that what answers there is *this* gateway (`GET /api/v1/info`
 * names `gateway.id`), and, with an embedded uplink, that the stream on `uplink.embeddedPort` is
 * the same boot of it (the retained `R/status` carries the bootId).
 */
import mqtt from "mqtt";
import type { Config } from "../config/schema.js";
import { ERRORS, type ErrorCode, QhError } from "../core/errors.js";
import { newNonce, proofMatches } from "../core/token-proof.js";

export interface GatewayInfo {
  gateway: string;
  site: string;
  version: string;
  bootId: string;
}

export interface GatewayApi {
  readonly base: string;
  readonly info: GatewayInfo;
  /** Calls the API; an error answer becomes a QhError with the gateway's own code. */
  call<T = Record<string, unknown>>(
    method: string,
    path: string,
    body?: unknown,
    opts?: CallOptions,
  ): Promise<T>;
}

/** The API base URL the config points at (a wildcard host is reached on loopback). */
export function apiBase(config: Config): string {
  const h = config.api.host;
  const host = h === "0.0.0.0" || h === "::" ? "127.0.0.1" : h.includes(":") ? `[${h}]` : h;
  return `http://${host}:${config.api.port}/api/v1`;
}

/** How long a CLI call waits for the gateway's answer by default (ms). */
export const CALL_TIMEOUT_MS = 15_000;

/** Per call: wait longer than the default (a DEX fetch), and the coded error to give on timeout. */
export interface CallOptions {
  timeoutMs?: number;
  /** the error when no answer came in time (default QH_GATEWAY_UNREACHABLE) */
  onTimeout?: (ms: number) => QhError;
}

/**
 * One HTTP call to `api.port`: under /api/v1 with the bearer token, or (`path` starting with
 * `/whoami`) at the root without it.
 */
async function request(
  config: Config,
  method: string,
  path: string,
  body?: unknown,
  opts: CallOptions = {},
): Promise<{ status: number; text: string }> {
  const ms = opts.timeoutMs ?? CALL_TIMEOUT_MS;
  const open = path.startsWith("/whoami");
  const url = open ? `${apiBase(config).replace(/\/api\/v1$/, "")}${path}` : `${apiBase(config)}${path}`;
  try {
    const res = await fetch(url, {
      method,
      headers: {
        ...(config.api.token && !open ? { authorization: `Bearer ${config.api.token}` } : {}),
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(ms),
    });
    return { status: res.status, text: await res.text() };
  } catch (err) {
    const e = err as Error & { cause?: { code?: string } };
    if (e.name === "TimeoutError" && opts.onTimeout) throw opts.onTimeout(ms);
    const why = e.cause?.code ?? (e.name === "TimeoutError" ? `no answer in ${ms / 1000} s` : e.message);
    throw new QhError(
      "QH_GATEWAY_UNREACHABLE",
      `no gateway answers at ${apiBase(config)} (api.port ${config.api.port}): ${why}`,
    );
  }
}

function parse(text: string): unknown {
  try {
    return text ? JSON.parse(text) : {};
  } catch {
    return undefined;
  }
}

/**
 * Before the token is sent anywhere: what answers on api.port must be the config's gateway and
 * prove that it holds api.token (`GET /whoami?nonce=`, src/core/token-proof.ts). Throws
 * QH_GATEWAY_MISMATCH otherwise: the token was not sent.
 */
async function proveHolder(config: Config, base: string): Promise<void> {
  const nonce = newNonce();
  const r = await request(config, "GET", `/whoami?nonce=${nonce}`);
  const expected = config.gateway.id;
  const who = parse(r.text) as { gateway?: unknown; proof?: unknown } | undefined;
  if (r.status !== 200 || typeof who?.gateway !== "string") {
    throw new QhError(
      "QH_GATEWAY_MISMATCH",
      `something answers at ${base} (HTTP ${r.status}) but it is not a quarterhour gateway (expected ${expected}); api.token was not sent`,
    );
  }
  if (who.gateway !== expected) {
    throw new QhError(
      "QH_GATEWAY_MISMATCH",
      `gateway "${who.gateway}" answers at ${base}, not "${expected}" from the config; api.token was not sent`,
    );
  }
  if (!proofMatches(config.api.token!, nonce, who.proof)) {
    throw new QhError(
      "QH_GATEWAY_MISMATCH",
      `the program at ${base} says it is ${expected} but does not prove it holds api.token from the config (another program, or the token changed since it started); the token was not sent`,
    );
  }
}

/**
 * Reaches the gateway the config describes and checks it is that gateway, before the token is
 * sent (see proveHolder). Throws QH_GATEWAY_UNREACHABLE (nothing answers: exit 1, start it),
 * QH_GATEWAY_MISMATCH (something else answers on api.port: another program, another gateway id,
 * or one that does not hold this api.token).
 */
export async function connectGateway(config: Config): Promise<GatewayApi> {
  const base = apiBase(config);
  if (config.api.token) await proveHolder(config, base);
  const r = await request(config, "GET", "/info");
  const expected = config.gateway.id;
  if (r.status === 401) {
    throw new QhError(
      "QH_GATEWAY_MISMATCH",
      `the program at ${base} refuses api.token from the config: another gateway answers there (expected ${expected}), or the token changed since it started`,
    );
  }
  const info = parse(r.text) as Partial<GatewayInfo> | undefined;
  if (r.status !== 200 || typeof info?.gateway !== "string" || typeof info.bootId !== "string") {
    throw new QhError(
      "QH_GATEWAY_MISMATCH",
      `something answers at ${base} (HTTP ${r.status}) but it is not a quarterhour gateway (expected ${expected})`,
    );
  }
  if (info.gateway !== expected) {
    throw new QhError(
      "QH_GATEWAY_MISMATCH",
      `gateway "${info.gateway}" answers at ${base}, not "${expected}" from the config`,
    );
  }
  const verified = info as GatewayInfo;
  return {
    base,
    info: verified,
    async call<T>(method: string, path: string, body?: unknown, opts?: CallOptions): Promise<T> {
      const res = await request(config, method, path, body, opts);
      const json = parse(res.text);
      if (res.status >= 400) {
        const e = (json as { error?: { code?: string; message?: string } } | undefined)?.error;
        const code = e?.code && e.code in ERRORS ? (e.code as ErrorCode) : "QH_INTERNAL";
        throw new QhError(code, `${e?.message ?? res.text} (${method} ${path}: HTTP ${res.status})`);
      }
      if (json === undefined) {
        throw new QhError("QH_INTERNAL", `${method} ${path}: the gateway answered with something not JSON`);
      }
      return json as T;
    },
  };
}

/** A subscriber on the embedded uplink broker, checked to be the stream of the same boot. */
export interface UplinkWatch {
  /** Every message so far (topic, payload text), in arrival order. */
  readonly messages: { topic: string; payload: string }[];
  close(): void;
}

/**
 * Subscribes to `R/#` on `uplink.embeddedPort` and waits for the retained `R/status`: its bootId
 * must be `bootId` (from /info), or this is another gateway's stream (QH_GATEWAY_MISMATCH).
 * QH_GATEWAY_UNREACHABLE when nothing listens there or no status arrives within 5 s.
 */
export async function watchUplink(config: Config, bootId: string): Promise<UplinkWatch> {
  const root = `${config.uplink.topicPrefix}/${config.gateway.id}`;
  const url = `mqtt://127.0.0.1:${config.uplink.embeddedPort}`;
  const client = mqtt.connect(url, { reconnectPeriod: 0, connectTimeout: 5000 });
  const messages: { topic: string; payload: string }[] = [];
  const close = () => {
    client.end(true);
  };
  try {
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error("no retained status within 5 s")), 5000);
      client.on("error", (e) => reject(e));
      client.on("close", () => reject(new Error("connection closed")));
      client.on("connect", () => client.subscribe(`${root}/#`, { qos: 1 }));
      client.on("message", (topic, p) => {
        const payload = p.toString();
        messages.push({ topic, payload });
        if (topic !== `${root}/status`) return;
        clearTimeout(t);
        const seen = (parse(payload) as { bootId?: string } | undefined)?.bootId;
        if (seen === bootId) resolve();
        else {
          reject(
            new QhError(
              "QH_GATEWAY_MISMATCH",
              `the stream on ${url} (uplink.embeddedPort) belongs to another run of ${config.gateway.id} (boot ${seen}) than the API at ${apiBase(config)} (boot ${bootId})`,
            ),
          );
        }
      });
    });
  } catch (err) {
    close();
    if (err instanceof QhError) throw err;
    throw new QhError(
      "QH_GATEWAY_UNREACHABLE",
      `cannot watch the stream on ${url} (uplink.embeddedPort ${config.uplink.embeddedPort}): ${(err as Error).message}`,
    );
  }
  return { messages, close };
}
