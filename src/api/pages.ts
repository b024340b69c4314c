/**
 * The pages the gateway serves (built by `scripts/build-web.mjs` into `dist/web/`, shipped in the
 * package, no CDN): `/` the installer console, `/kiosk/{terminal}` the kiosk (the page reads its
 * terminal from the path and asks `/api/v1/kiosk/{terminal}/whoami`), `/assets/{page}/…` the
 * bundles (@fastify/static). Every answer carries a strict Content-Security-Policy: scripts,
 * styles, images and connections from this origin only, no inline script or style, no framing.
 * Pages hold no secret: the console logs in to a cookie session, a kiosk pairs to its own cookie.
 * A checkout that was never built answers 503 `QH_PAGES_NOT_BUILT` (run `npm run build`).
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import fastifyStatic from "@fastify/static";
import type { FastifyPluginAsync, FastifyReply } from "fastify";
import { QhError } from "../core/errors.js";

/** dist/web of this checkout or package: the same path from src/api and from dist/api. */
export const DEFAULT_WEB_DIR = fileURLToPath(new URL("../../dist/web/", import.meta.url));

/** The policy on every page and asset. `data:` images only (icons are inline SVG in the bundle). */
export const PAGES_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

const SECURITY_HEADERS: Record<string, string> = {
  "content-security-policy": PAGES_CSP,
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
  "cross-origin-opener-policy": "same-origin",
};

export interface PagesOptions {
  /** Where the built pages are (default: dist/web of this checkout or package). */
  webDir?: string;
}

/**
 * Why `/assets/…` is refused before @fastify/static sees it, or undefined when the path may be
 * served: a `..` or `.` segment, a hidden name (a segment starting with `.`), an encoded `/` or
 * `\\`, or a percent-encoding that does not decode (each checked after decoding, so `%2e%2e` is
 * `..`) → QH_PAGES_PATH_REFUSED; a folder (a path ending in `/`) → QH_PAGES_NOT_FOUND.
 */
export function assetRefusal(rawPath: string): QhError | undefined {
  const segments = rawPath.split("/").slice(1);
  for (const seg of segments) {
    let name: string;
    try {
      name = decodeURIComponent(seg);
    } catch {
      return new QhError("QH_PAGES_PATH_REFUSED", `the path ${rawPath} has a malformed percent-encoding`);
    }
    if (name.startsWith(".") || name.includes("/") || name.includes("\\") || name.includes("\0"))
      return new QhError(
        "QH_PAGES_PATH_REFUSED",
        `the path ${rawPath} was refused: the segment "${name}" is ${name === ".." || name === "." ? "a relative step" : name.startsWith(".") ? "a hidden name" : "not a plain name"}`,
        { segment: name },
      );
  }
  if (rawPath.endsWith("/"))
    return new QhError("QH_PAGES_NOT_FOUND", `${rawPath} is a folder: folders are not listed`);
  return undefined;
}

/** The pages plugin: register at the root (not under /api/v1: the pages themselves need no token). */
export function pagesPlugin(o: PagesOptions = {}): FastifyPluginAsync {
  const webDir = o.webDir ?? DEFAULT_WEB_DIR;
  return async (app) => {
    app.addHook("onRequest", async (req) => {
      const path = req.url.split("?")[0] ?? "";
      if (!path.startsWith("/assets/")) return;
      const refused = assetRefusal(path);
      if (refused) throw refused;
    });
    app.addHook("onSend", async (_req, reply, payload) => {
      for (const [k, v] of Object.entries(SECURITY_HEADERS)) reply.header(k, v);
      // file names carry no hash: the browser revalidates (ETag) instead of keeping stale bundles
      reply.header("cache-control", "no-cache");
      return payload;
    });
    await app.register(fastifyStatic, {
      root: webDir,
      prefix: "/assets/",
      index: false,
      cacheControl: false,
      decorateReply: true,
      // hidden files are refused above already; never served if that check is ever bypassed
      dotfiles: "deny",
    });

    const page = (name: string) => (_req: unknown, reply: FastifyReply) => {
      if (!existsSync(`${webDir}/${name}/index.html`)) {
        const e = new QhError(
          "QH_PAGES_NOT_BUILT",
          `the ${name} page is not built (no ${webDir}${name}/index.html)`,
        );
        return reply.status(503).send({ error: e.toJSON() });
      }
      return reply.sendFile(`${name}/index.html`);
    };

    app.get("/", page("console"));
    app.get(
      "/kiosk/:terminal",
      {
        schema: {
          params: {
            type: "object",
            required: ["terminal"],
            properties: { terminal: { type: "string", pattern: "^[A-Za-z0-9_-]{1,64}$" } },
          },
        },
      },
      page("kiosk"),
    );
  };
}
