/**
 * Slows guessing of secrets over HTTP (the installer's API token, kiosk pairing codes): per key (a
 * client address, a terminal), the first `free` failures cost nothing; each further one closes the
 * key for 1 s, 2 s, 4 s … up to `maxLockMs`. While a key is closed every attempt is refused before
 * the secret is looked at (a right guess then is refused too, so a 429 teaches nothing). A success
 * clears the key; a key quiet for `forgetMs` is forgotten. Time is the monotonic clock: a wall-clock
 * step neither opens nor closes a key.
 *
 * Figures (docs/contract.md "Security"): with the defaults a pairing code (8 digits, 10 minutes) gets
 * at most about 5 + 10 guesses in its lifetime from one address (the key is the address; ApiAuth
 * also spends a code after 1,000 wrong guesses from all addresses together).
 */
import { performance } from "node:perf_hooks";
import { QhError } from "../core/errors.js";

export interface GuessGuardOptions {
  /** failures allowed before the key closes (default 5) */
  free?: number;
  /** longest closure, ms (default 15 minutes) */
  maxLockMs?: number;
  /** a key without failures for this long is forgotten, ms (default 1 hour) */
  forgetMs?: number;
  /** at most this many keys kept (the oldest go first; default 10,000) */
  maxKeys?: number;
  /** monotonic ms (tests); default performance.now */
  now?: () => number;
  /** wall-clock ms for the retryAt the answer carries (default Date.now) */
  wallNow?: () => number;
}

interface Entry {
  failures: number;
  lockedUntil: number;
  lastAt: number;
}

export class GuessGuard {
  private readonly keys = new Map<string, Entry>();
  private readonly free: number;
  private readonly maxLockMs: number;
  private readonly forgetMs: number;
  private readonly maxKeys: number;
  private readonly now: () => number;
  private readonly wallNow: () => number;

  constructor(
    /** what is guessed, for the message ("API token", "pairing code") */
    private readonly what: string,
    o: GuessGuardOptions = {},
  ) {
    this.free = o.free ?? 5;
    this.maxLockMs = o.maxLockMs ?? 15 * 60_000;
    this.forgetMs = o.forgetMs ?? 3_600_000;
    this.maxKeys = o.maxKeys ?? 10_000;
    this.now = o.now ?? (() => performance.now());
    this.wallNow = o.wallNow ?? Date.now;
  }

  /** Throws QH_API_GUESSING (details: retryAt ISO, retryAfterS) while `key` is closed. */
  check(key: string): void {
    const e = this.entry(key);
    if (!e) return;
    const wait = e.lockedUntil - this.now();
    if (wait > 0) {
      const retryAfterS = Math.ceil(wait / 1000);
      throw new QhError(
        "QH_API_GUESSING",
        `too many wrong ${this.what}s for ${key}: retry after ${retryAfterS} s`,
        { retryAt: new Date(this.wallNow() + wait).toISOString(), retryAfterS },
      );
    }
  }

  /** Records a wrong guess for `key`. */
  fail(key: string): void {
    const t = this.now();
    let e = this.entry(key);
    if (!e) {
      if (this.keys.size >= this.maxKeys) {
        const oldest = this.keys.keys().next().value;
        if (oldest !== undefined) this.keys.delete(oldest);
      }
      e = { failures: 0, lockedUntil: 0, lastAt: t };
    }
    this.keys.delete(key); // re-insert: the map's order is last use
    e.failures += 1;
    e.lastAt = t;
    const over = e.failures - this.free;
    if (over > 0) e.lockedUntil = t + Math.min(1000 * 2 ** Math.min(over - 1, 30), this.maxLockMs);
    this.keys.set(key, e);
  }

  /** A right guess: the key starts afresh. */
  succeed(key: string): void {
    this.keys.delete(key);
  }

  private entry(key: string): Entry | undefined {
    const e = this.keys.get(key);
    if (e && this.now() - e.lastAt > this.forgetMs && e.lockedUntil <= this.now()) {
      this.keys.delete(key);
      return undefined;
    }
    return e;
  }
}
