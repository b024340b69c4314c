/**
 * Listening ports are checked before anything starts: a port taken by another program is a coded
 * error naming the config key, not an `EADDRINUSE` stack after half the gateway said "listening".
 */
import { createServer } from "node:net";
import { QhError } from "./errors.js";

/** A TCP listener the gateway will open: its config key (`api.port`), host and port. */
export interface PlannedListener {
  key: string;
  host: string;
  port: number;
}

/**
 * The listeners a gateway on `config` opens, with their config keys: the device broker, the API,
 * and the embedded uplink broker when `uplink.url` is `embedded` (always on 127.0.0.1).
 */
export function plannedListeners(config: {
  deviceBroker: { host: string; port: number };
  api: { host: string; port: number };
  uplink: { url: string; embeddedPort: number };
}): PlannedListener[] {
  return [
    { key: "deviceBroker.port", host: config.deviceBroker.host, port: config.deviceBroker.port },
    { key: "api.port", host: config.api.host, port: config.api.port },
    ...(config.uplink.url === "embedded"
      ? [{ key: "uplink.embeddedPort", host: "127.0.0.1", port: config.uplink.embeddedPort }]
      : []),
  ];
}

/**
 * Binds each listener's host:port and closes it at once (port 0 skipped): the ones that cannot be
 * bound, each with its error code (EADDRINUSE taken, EADDRNOTAVAIL not on this host, EACCES
 * privileged). Opens nothing that stays open.
 */
export async function probeListeners(
  listeners: readonly PlannedListener[],
): Promise<{ listener: PlannedListener; code: string }[]> {
  const out: { listener: PlannedListener; code: string }[] = [];
  for (const l of listeners) {
    if (l.port === 0) continue;
    const code = await tryBind(l.host, l.port);
    if (code !== undefined) out.push({ listener: l, code });
  }
  return out;
}

/**
 * Tries each listener's host:port (bind, then close at once). Port 0 (any free port) is skipped.
 * Throws QH_PORT_IN_USE when one or more are taken (message: one `key: host:port …` line each,
 * details: the listeners), QH_PORT_UNAVAILABLE when one cannot be bound at all (a privileged port,
 * an address not on this host). `howToMove(key)` is appended to each line.
 */
export async function checkPortsFree(
  listeners: readonly PlannedListener[],
  howToMove: (key: string) => string = (key) => `set ${key} in the config`,
): Promise<void> {
  const busy: PlannedListener[] = [];
  const lines: string[] = [];
  let unavailable = false;
  for (const { listener: l, code } of await probeListeners(listeners)) {
    busy.push(l);
    if (code === "EADDRINUSE") {
      lines.push(`${l.key}: ${l.host}:${l.port} is already in use by another program; ${howToMove(l.key)}`);
    } else {
      unavailable = true;
      lines.push(`${l.key}: cannot listen on ${l.host}:${l.port} (${code}); ${howToMove(l.key)}`);
    }
  }
  if (busy.length === 0) return;
  throw new QhError(
    unavailable ? "QH_PORT_UNAVAILABLE" : "QH_PORT_IN_USE",
    `nothing was started:\n  ${lines.join("\n  ")}`,
    busy,
  );
}

/** Binds and closes; resolves the error code (EADDRINUSE, EACCES, …) or undefined when free. */
function tryBind(host: string, port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once("error", (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
    s.listen({ host, port, exclusive: true }, () => s.close(() => resolve(undefined)));
  });
}
