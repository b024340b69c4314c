/**
 * The Host and Origin guard of every HTTP route (pages, /health, /metrics, /api/v1), token or not
 * (docs/configuration.md "api.allowedHosts"):
 *
 *  - DNS rebinding: a web page in the installer's browser whose name was re-pointed at the box
 *    would send its own name as `Host`. Only these names are answered: a loopback name or address
 *    (`localhost`, `127.0.0.0/8`, `::1`), the configured `api.host`, an IP literal of one of the
 *    box's own interfaces (read at each request: DHCP may change them), and the names listed in
 *    `api.allowedHosts` (exact, case-insensitive; `*.example.lan` matches any sub-name). Anything
 *    else: 421 `QH_API_HOST`. A request without `Host` (HTTP/1.0) is refused too.
 *  - Cross-site forms and fetches: a state-changing request (POST, PUT, PATCH, DELETE) carrying an
 *    `Origin` that is not the gateway's own (`http(s)://` + the request's own Host) is refused 403
 *    `QH_API_ORIGIN`. Requests without Origin (the CLI, curl, the platform) are not affected.
 */
import { isIP } from "node:net";
import { networkInterfaces } from "node:os";
import type { FastifyReply, FastifyRequest } from "fastify";
import { QhError } from "../core/errors.js";

export interface HostGuardOptions {
  /** the configured `api.host` (the address the API listens on) */
  apiHost?: string;
  /** `api.allowedHosts`: extra names the box is reached by (e.g. `gw-12.site.lan`) */
  allowedHosts?: readonly string[];
  /** the box's own addresses (test hook; default: os.networkInterfaces() at each request) */
  ownAddresses?: () => string[];
}

const STATE_CHANGING = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/** The host name of a Host header: lower case, without the port, IPv6 brackets removed. */
export function hostName(header: string): string {
  const h = header.trim().toLowerCase();
  if (h.startsWith("[")) return h.slice(1, h.indexOf("]") === -1 ? undefined : h.indexOf("]"));
  const colon = h.lastIndexOf(":");
  return colon === -1 ? h : h.slice(0, colon);
}

function isLoopback(name: string): boolean {
  if (name === "localhost" || name.endsWith(".localhost")) return true;
  if (isIP(name) === 4) return name.startsWith("127.");
  return name === "::1" || name === "0:0:0:0:0:0:0:1";
}

function boxAddresses(): string[] {
  return Object.values(networkInterfaces())
    .flat()
    .map((a) => (a?.address ?? "").toLowerCase().replace(/%.*$/, ""));
}

/** True when `name` (no port) is a name this gateway answers to. */
export function hostAllowed(name: string, o: HostGuardOptions): boolean {
  if (!name) return false;
  if (isLoopback(name)) return true;
  const apiHost = o.apiHost?.toLowerCase();
  if (apiHost && apiHost !== "0.0.0.0" && apiHost !== "::" && name === apiHost) return true;
  if (isIP(name) !== 0 && (o.ownAddresses ?? boxAddresses)().includes(name)) return true;
  return (o.allowedHosts ?? []).some((a) => {
    const p = a.toLowerCase();
    return p.startsWith("*.") ? name.endsWith(p.slice(1)) && name.length > p.length - 1 : name === p;
  });
}

/** The onRequest hook (register at the root, before every route). */
export function hostGuard(o: HostGuardOptions) {
  return async (req: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    const host = req.headers.host ?? "";
    const name = hostName(host);
    if (!hostAllowed(name, o))
      throw new QhError(
        "QH_API_HOST",
        host ? `this gateway does not answer to the name "${name}"` : "the request has no Host header",
        { host: name },
      );
    const origin = req.headers.origin;
    if (origin === undefined || !STATE_CHANGING.has(req.method)) return;
    const own = [`http://${host.toLowerCase()}`, `https://${host.toLowerCase()}`];
    if (!own.includes(origin.toLowerCase()))
      throw new QhError(
        "QH_API_ORIGIN",
        `a ${req.method} from the page at ${origin} was refused: only this gateway's own pages may change things`,
        { origin },
      );
  };
}
