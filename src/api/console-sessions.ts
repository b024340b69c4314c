/**
 * The installer console's sessions (`qh_console` cookie), in memory: a gateway restart logs every
 * console out. A session ends after `idleMs` without a request (default 30 minutes) and at the
 * latest `maxMs` after login (default 12 hours). At most `maxSessions` live at once (the oldest go
 * first). The cookie value is 32 random bytes; the map holds only its SHA-256.
 */
import { createHash, randomBytes } from "node:crypto";
import { performance } from "node:perf_hooks";

export interface ConsoleSessionOptions {
  idleMs?: number;
  maxMs?: number;
  maxSessions?: number;
  /** monotonic ms (tests); default performance.now */
  now?: () => number;
}

interface Session {
  createdAt: number;
  lastUsed: number;
}

function digest(value: string): string {
  return createHash("sha256").update(value).digest("base64url");
}

export class ConsoleSessions {
  private readonly sessions = new Map<string, Session>();
  readonly idleMs: number;
  readonly maxMs: number;
  private readonly maxSessions: number;
  private readonly now: () => number;

  constructor(o: ConsoleSessionOptions = {}) {
    this.idleMs = o.idleMs ?? 30 * 60_000;
    this.maxMs = o.maxMs ?? 12 * 3_600_000;
    this.maxSessions = o.maxSessions ?? 100;
    this.now = o.now ?? (() => performance.now());
  }

  /** A new session: the cookie value. */
  create(): string {
    if (this.sessions.size >= this.maxSessions) {
      const oldest = this.sessions.keys().next().value;
      if (oldest !== undefined) this.sessions.delete(oldest);
    }
    const value = randomBytes(32).toString("base64url");
    const t = this.now();
    this.sessions.set(digest(value), { createdAt: t, lastUsed: t });
    return value;
  }

  /**
   * Whether the cookie value is a live session; using it restarts its idle time unless `refresh`
   * is false (a kiosk route's poll never keeps an installer's session alive).
   */
  use(value: string, refresh = true): boolean {
    const key = digest(value);
    const s = this.sessions.get(key);
    if (!s) return false;
    const t = this.now();
    if (t - s.lastUsed > this.idleMs || t - s.createdAt > this.maxMs) {
      this.sessions.delete(key);
      return false;
    }
    if (refresh) s.lastUsed = t;
    return true;
  }

  /** Ends the session (logout). */
  end(value: string): void {
    this.sessions.delete(digest(value));
  }
}
