/**
 * The gateway's local control endpoint: a Unix socket `gateway.sock` in the data dir (mode 0600), so
 * that CLI commands that write the database (`device add`, `device remove`) ask the running gateway,
 * the data dir's only writer, to do the write (docs/contract.md, "Command line"). Access is the data
 * dir's own: whoever may open the socket may also open the database.
 *
 * Protocol: one JSON object per connection, newline-terminated, `{ "op": NAME, ... }`; the answer is
 * one JSON line, `{ "ok": true, "result": … }` or `{ "ok": false, "error": { code, message } }`.
 */
import { chmodSync, unlinkSync } from "node:fs";
import { connect, createServer, type Server } from "node:net";
import { join } from "node:path";
import { type ErrorCode, isQhError, QhError } from "../core/errors.js";
import type { Logger } from "../core/logger.js";

export const CONTROL_SOCKET = "gateway.sock";
/** Unix socket paths are limited to 107 bytes on Linux (sun_path). */
const MAX_SOCKET_PATH = 107;
const MAX_REQUEST = 64 * 1024;

export type ControlHandler = (req: Record<string, unknown>) => Promise<unknown>;

export function controlSocketPath(dataDir: string): string {
  return join(dataDir, CONTROL_SOCKET);
}

/**
 * Listen on the data dir's control socket. Call only while holding the data dir's lock (a leftover
 * socket file from a crash is removed first). Returns undefined, with a warning, when the path is
 * too long for a Unix socket: CLI writers then ask the operator to stop the gateway.
 */
export async function startControlServer(
  dataDir: string,
  handlers: Record<string, ControlHandler>,
  log: Logger,
): Promise<{ close(): Promise<void> } | undefined> {
  const path = controlSocketPath(dataDir);
  if (Buffer.byteLength(path) > MAX_SOCKET_PATH) {
    log.warn(
      { path },
      "data dir path too long for the control socket: `device add/remove` need the gateway stopped",
    );
    return undefined;
  }
  try {
    unlinkSync(path);
  } catch {
    // none left over
  }
  const server: Server = createServer((sock) => {
    let buf = "";
    sock.setEncoding("utf8");
    sock.on("error", () => sock.destroy());
    sock.on("data", (chunk: string) => {
      buf += chunk;
      if (buf.length > MAX_REQUEST) return sock.destroy();
      const nl = buf.indexOf("\n");
      if (nl < 0) return;
      sock.removeAllListeners("data");
      answer(buf.slice(0, nl)).then((out) => sock.end(`${JSON.stringify(out)}\n`));
    });
  });
  const answer = async (line: string): Promise<unknown> => {
    try {
      const req = JSON.parse(line) as Record<string, unknown>;
      const handler = typeof req.op === "string" ? handlers[req.op] : undefined;
      if (!handler) throw new QhError("QH_USAGE", `unknown control operation ${JSON.stringify(req.op)}`);
      return { ok: true, result: await handler(req) };
    } catch (err) {
      if (isQhError(err)) return { ok: false, error: { code: err.code, message: err.message } };
      log.error({ err: (err as Error).message }, "control request failed");
      return { ok: false, error: { code: "QH_INTERNAL", message: (err as Error).message } };
    }
  };
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(path, () => resolve());
  });
  chmodSync(path, 0o600);
  log.debug({ path }, "control socket listening");
  return {
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
      }),
  };
}

/** The gateway is not there to answer (no socket, or nobody listening on it). */
export class ControlUnavailable extends Error {}

/**
 * Send one request to the gateway running on `dataDir`. Resolves with its result; rejects with the
 * gateway's coded error (a QhError), or with {@link ControlUnavailable} when no gateway listens.
 */
export function controlRequest(
  dataDir: string,
  req: Record<string, unknown>,
  timeoutMs = 15_000,
): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const sock = connect(controlSocketPath(dataDir));
    let buf = "";
    let connected = false;
    const t = setTimeout(() => {
      sock.destroy();
      reject(new QhError("QH_INTERNAL", `the gateway did not answer within ${timeoutMs} ms`));
    }, timeoutMs);
    sock.setEncoding("utf8");
    sock.on("connect", () => {
      connected = true;
      sock.write(`${JSON.stringify(req)}\n`);
    });
    sock.on("data", (d: string) => {
      buf += d;
    });
    sock.on("error", (err: NodeJS.ErrnoException) => {
      clearTimeout(t);
      reject(connected ? err : new ControlUnavailable(err.code ?? err.message));
    });
    sock.on("end", () => {
      clearTimeout(t);
      try {
        const out = JSON.parse(buf) as {
          ok: boolean;
          result?: unknown;
          error?: { code: string; message: string };
        };
        if (out.ok) resolve(out.result);
        else
          reject(
            new QhError((out.error?.code ?? "QH_INTERNAL") as ErrorCode, out.error?.message ?? "failed"),
          );
      } catch {
        reject(new QhError("QH_INTERNAL", "the gateway closed the control connection without an answer"));
      }
    });
  });
}
