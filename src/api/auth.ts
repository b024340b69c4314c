/**
 * Who is calling /api/v1, and what they may call (docs/contract.md "Security").
 *
 * Principals:
 *  - installer: `Authorization: Bearer <api.token>`, or the `qh_console` cookie of a console
 *    session (POST /api/v1/session with the token; in memory, see console-sessions.ts). With no
 *    api.token configured the API is open and every caller is the installer.
 *  - kiosk terminal T: the `qh_kiosk` cookie a screen got by pairing (a one-time code the installer
 *    created, entered on the screen); stored hashed in SQLite (store/terminal-credentials.ts).
 *
 * Scopes: the installer may call every route. A kiosk credential may call only its own terminal's
 * kiosk routes (`/api/v1/kiosk/{T}/…`): anything else is 403 QH_API_SCOPE. Routes marked
 * `config: { qhPublic: true }` (login, logout, pairing, whoami) run for anyone and look at the
 * principal themselves. A wrong bearer token, login token or pairing code counts against the
 * caller's address in a {@link GuessGuard}. A pairing code also has a budget of its own: after
 * `pairingCodeMaxWrong` wrong guesses at its terminal (from all addresses together) it is spent
 * (409 QH_KIOSK_PAIRING_CODE_SPENT, whatever is sent) and the installer creates a fresh one, which
 * starts with a full budget. So guessing from one address is slowed at that address only (the
 * installer's screen elsewhere on the LAN pairs at once), and guessing from many addresses gets at
 * most `pairingCodeMaxWrong` tries per code: 1,000 of 10^8 codes, a chance of 1 in 100,000.
 */
import { randomInt, timingSafeEqual } from "node:crypto";
import { performance } from "node:perf_hooks";
import type { FastifyReply, FastifyRequest } from "fastify";
import { isQhError, QhError } from "../core/errors.js";
import type { TerminalCredentials } from "../store/terminal-credentials.js";
import { type ConsoleSessionOptions, ConsoleSessions } from "./console-sessions.js";
import { GuessGuard } from "./guess-guard.js";

declare module "fastify" {
  interface FastifyContextConfig {
    /** the route decides itself who may call it (auth routes) */
    qhPublic?: boolean;
  }
  interface FastifyRequest {
    qhPrincipal?: Principal;
  }
}

export type Principal =
  | { scope: "installer"; via: "bearer" | "session" | "open" }
  | { scope: "kiosk"; terminal: string };

export const CONSOLE_COOKIE = "qh_console";
export const KIOSK_COOKIE = "qh_kiosk";

export interface ApiAuthOptions {
  /** api.token; absent: the API is open (every caller is the installer) */
  token?: string;
  /** kiosk terminal credentials (SQLite); needed to pair terminals */
  credentials?: TerminalCredentials;
  /** the terminal ids declared now */
  terminals?: () => string[];
  /** how long a paired screen's credential lasts, ms (default 365 days) */
  kioskCredentialMs?: number;
  /** how long a pairing code is valid, ms (default 10 minutes) */
  pairingCodeMs?: number;
  /** wrong guesses at a terminal, from all addresses, after which its pending code is spent (default 1,000) */
  pairingCodeMaxWrong?: number;
  sessions?: ConsoleSessionOptions;
  /** monotonic ms (tests); default performance.now */
  mono?: () => number;
  /** wall-clock ms; default Date.now */
  now?: () => number;
}

interface PendingCode {
  code: string;
  /** monotonic deadline; undefined: valid for the process's lifetime (demo only) */
  until?: number;
  /** wrong guesses at this terminal since the code was created */
  wrong: number;
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Whether a route pattern is a kiosk route (`/api/v1/kiosk/:terminal…`). */
export function isKioskRoute(url: string | undefined): boolean {
  return url === "/api/v1/kiosk/:terminal" || (url?.startsWith("/api/v1/kiosk/:terminal/") ?? false);
}

export class ApiAuth {
  readonly sessions: ConsoleSessions;
  /** wrong API tokens (bearer or login), per client address */
  readonly tokenGuard: GuessGuard;
  /** wrong pairing codes, per client address (all terminals together) */
  readonly pairingGuard: GuessGuard;
  readonly kioskCredentialMs: number;
  readonly pairingCodeMs: number;
  readonly pairingCodeMaxWrong: number;
  private readonly codes = new Map<string, PendingCode>();
  private readonly demoCodes = new Map<string, string>();
  private readonly mono: () => number;
  private readonly now: () => number;

  constructor(private readonly o: ApiAuthOptions = {}) {
    this.mono = o.mono ?? (() => performance.now());
    this.now = o.now ?? Date.now;
    this.sessions = new ConsoleSessions({ now: this.mono, ...o.sessions });
    const clocks = { now: this.mono, wallNow: this.now };
    this.tokenGuard = new GuessGuard("API token", { free: 10, ...clocks });
    this.pairingGuard = new GuessGuard("pairing code", { free: 5, ...clocks });
    this.kioskCredentialMs = o.kioskCredentialMs ?? 365 * 86_400_000;
    this.pairingCodeMs = o.pairingCodeMs ?? 10 * 60_000;
    this.pairingCodeMaxWrong = o.pairingCodeMaxWrong ?? 1000;
  }

  /** Whether an installer token is configured (otherwise the API is open). */
  get open(): boolean {
    return !this.o.token;
  }

  /** The terminal ids declared now. */
  terminalIds(): string[] {
    return this.o.terminals?.() ?? [];
  }

  /** Throws QH_LOCKER_TERMINAL_UNKNOWN (404) unless `terminal` is declared. */
  requireTerminal(terminal: string): void {
    const ids = this.terminalIds();
    if (!ids.includes(terminal)) {
      throw new QhError(
        "QH_LOCKER_TERMINAL_UNKNOWN",
        `no kiosk terminal "${terminal}" at this site (declared: ${ids.join(", ") || "none"})`,
      );
    }
  }

  /** Checks the login token (POST /session): throws QH_API_GUESSING or QH_API_UNAUTHORIZED. */
  checkLoginToken(token: string, address: string): void {
    if (!this.o.token) return;
    this.tokenGuard.check(address);
    if (!same(token, this.o.token)) {
      this.tokenGuard.fail(address);
      throw new QhError("QH_API_UNAUTHORIZED", "wrong API token");
    }
    this.tokenGuard.succeed(address);
  }

  /**
   * A one-time pairing code for `terminal` (8 digits), replacing any earlier one (and the wrong
   * guesses counted against it: the new code starts with its full budget).
   */
  createPairingCode(terminal: string): { pairingCode: string; expiresAt: string } {
    this.requireTerminal(terminal);
    const code = String(randomInt(0, 100_000_000)).padStart(8, "0");
    this.codes.set(terminal, { code, until: this.mono() + this.pairingCodeMs, wrong: 0 });
    return { pairingCode: code, expiresAt: new Date(this.now() + this.pairingCodeMs).toISOString() };
  }

  /**
   * A pairing code valid as long as this process runs, reusable: for the demo site only (the
   * gateway calls it when `simulate: true` and prints the code). Never on a real site.
   */
  demoPairingCode(terminal: string): string {
    let code = this.demoCodes.get(terminal);
    if (!code) {
      code = String(randomInt(0, 100_000_000)).padStart(8, "0");
      this.demoCodes.set(terminal, code);
    }
    return code;
  }

  /** Whether a one-time code waits for `terminal` (not expired, not spent by guessing). */
  pairingPending(terminal: string): boolean {
    const p = this.codes.get(terminal);
    return (
      p !== undefined &&
      (p.until === undefined || p.until > this.mono()) &&
      p.wrong < this.pairingCodeMaxWrong
    );
  }

  /**
   * Pairs a screen with `terminal`: checks the code, uses it up, issues the terminal's credential
   * (replacing the previous one). Returns the cookie value. Guessing is limited per `address`
   * (QH_API_GUESSING, 429) and per code (QH_KIOSK_PAIRING_CODE_SPENT, 409, once the terminal's
   * code has had `pairingCodeMaxWrong` wrong guesses: refused whatever is sent, so it is no oracle).
   * @throws QH_LOCKER_TERMINAL_UNKNOWN, QH_API_GUESSING, QH_KIOSK_PAIRING_CODE_SPENT, QH_KIOSK_PAIRING_CODE_WRONG
   */
  pair(terminal: string, code: string, address = "?"): { value: string; expiresAt: number } {
    this.requireTerminal(terminal);
    const key = `address ${address}`;
    this.pairingGuard.check(key);
    const pending = this.codes.get(terminal);
    const live = pending !== undefined && (pending.until ?? 0) > this.mono();
    const spent = live && pending.wrong >= this.pairingCodeMaxWrong;
    const oneTime = live && !spent && same(code, pending.code);
    const demo = this.demoCodes.get(terminal);
    if (!oneTime && !(demo && same(code, demo))) {
      this.pairingGuard.fail(key);
      if (live) pending.wrong += 1;
      if (spent)
        throw new QhError(
          "QH_KIOSK_PAIRING_CODE_SPENT",
          `the pairing code for terminal ${terminal} had ${this.pairingCodeMaxWrong} wrong guesses and no longer works`,
          { terminal, maxWrong: this.pairingCodeMaxWrong },
        );
      throw new QhError(
        "QH_KIOSK_PAIRING_CODE_WRONG",
        `the pairing code for terminal ${terminal} is wrong, used or expired`,
      );
    }
    this.pairingGuard.succeed(key);
    if (oneTime) this.codes.delete(terminal);
    if (!this.o.credentials) throw new QhError("QH_INTERNAL", "no terminal credential store");
    const c = this.o.credentials.issue(terminal, this.kioskCredentialMs);
    return { value: c.value, expiresAt: c.expiresAt };
  }

  /** Revokes `terminal`'s credential (its screen must pair again); returns how many were live. */
  revoke(terminal: string): number {
    this.requireTerminal(terminal);
    this.codes.delete(terminal);
    return this.o.credentials?.revoke(terminal) ?? 0;
  }

  /** Each declared terminal and whether a screen is paired with it now. */
  terminalList(): { id: string; paired: boolean }[] {
    const live = this.paired();
    return this.terminalIds().map((id) => ({ id, paired: live.has(id) }));
  }

  /** Live credentials per terminal. */
  paired(): Map<string, { pairedAt: number; expiresAt: number }> {
    return this.o.credentials?.live() ?? new Map();
  }

  /**
   * The kiosk credential in the request's cookie: its terminal, or why there is none usable
   * ("none", "unknown", "revoked", "expired").
   */
  kioskOf(req: FastifyRequest): { terminal: string } | { why: string } {
    const value = req.cookies?.[KIOSK_COOKIE];
    if (!value) return { why: "none" };
    if (!this.o.credentials) return { why: "unknown" };
    const r = this.o.credentials.check(value);
    return r.ok ? { terminal: r.terminal } : { why: r.why };
  }

  /**
   * The caller: installer (bearer, console session, or an open API), kiosk terminal, or none.
   * Throws QH_API_UNAUTHORIZED for a wrong bearer token and QH_API_GUESSING while the caller's
   * address is closed for wrong tokens, except on a public route (`where.public`): there a wrong
   * Authorization header is ignored and not counted (the route needs no credential).
   * On a kiosk route (`where.kioskRoute`) a `qh_kiosk` cookie, when present, decides over a
   * console session in the same browser (a revoked one is refused even with a session beside it),
   * and a console session is never refreshed there (the kiosk's poll keeps no installer logged in).
   */
  principal(
    req: FastifyRequest,
    where: { public?: boolean; kioskRoute?: boolean } = {},
  ): Principal | undefined {
    if (!this.o.token) return { scope: "installer", via: "open" };
    const header = req.headers.authorization;
    if (header !== undefined) {
      const right = header.startsWith("Bearer ") && same(header.slice(7), this.o.token);
      if (where.public) {
        if (right) return { scope: "installer", via: "bearer" };
      } else {
        this.tokenGuard.check(req.ip);
        if (right) {
          this.tokenGuard.succeed(req.ip);
          return { scope: "installer", via: "bearer" };
        }
        this.tokenGuard.fail(req.ip);
        throw new QhError("QH_API_UNAUTHORIZED", "missing or wrong bearer token");
      }
    }
    if (where.kioskRoute && req.cookies?.[KIOSK_COOKIE]) {
      const k = this.kioskOf(req);
      return "terminal" in k ? { scope: "kiosk", terminal: k.terminal } : undefined;
    }
    const session = req.cookies?.[CONSOLE_COOKIE];
    if (session && this.sessions.use(session, !where.kioskRoute))
      return { scope: "installer", via: "session" };
    const k = this.kioskOf(req);
    return "terminal" in k ? { scope: "kiosk", terminal: k.terminal } : undefined;
  }

  /** The /api/v1 onRequest hook: resolves the principal and enforces its scope. */
  readonly hook = async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const isPublic = req.routeOptions.config.qhPublic === true;
    const kioskRoute = isKioskRoute(req.routeOptions.url);
    let p: Principal | undefined;
    try {
      p = this.principal(req, { public: isPublic, kioskRoute });
    } catch (err) {
      if (isQhError(err, "QH_API_GUESSING"))
        reply.header("retry-after", String((err.details as { retryAfterS: number }).retryAfterS));
      throw err;
    }
    req.qhPrincipal = p;
    if (isPublic) return;
    if (!p) {
      const k = kioskRoute ? this.kioskOf(req) : { why: "none" };
      if ("why" in k && k.why !== "none") {
        throw new QhError("QH_KIOSK_UNPAIRED", `this screen's terminal credential is ${k.why}`, {
          reason: k.why,
        });
      }
      throw new QhError(
        "QH_API_UNAUTHORIZED",
        "no credential: send Authorization: Bearer <api.token>, log in (POST /api/v1/session) or pair the kiosk screen",
      );
    }
    if (p.scope === "installer") return;
    const terminal = (req.params as { terminal?: string } | undefined)?.terminal;
    if (kioskRoute && terminal === p.terminal) return;
    throw new QhError(
      "QH_API_SCOPE",
      kioskRoute
        ? `this screen is paired with terminal ${p.terminal}, not ${terminal}`
        : `a kiosk terminal's credential (${p.terminal}) may not call ${req.method} ${req.routeOptions.url}`,
    );
  };
}
