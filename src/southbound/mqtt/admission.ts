/**
 * Who may connect to the device broker, decided before any password is hashed (docs/contract.md,
 * "Device identity"):
 *  - the username is a device id declared under `devices:` in the config (serial devices on buses
 *    never; undeclared ids only with `deviceBroker.allowUndeclaredDevices`);
 *  - the client id is bound to that device: exactly the device id, or `{id}.{suffix}` (suffix 1-64 of
 *    `A-Za-z0-9_-`). The separator is a dot because a dot cannot occur in a device id: with `-`, device
 *    `meter` could take the client id `meter-1` of device `meter-1` (MQTT-3.1.4-2 session takeover);
 *  - failed passwords back off per client address and per username ({@link AuthBackoff}).
 */
import { performance } from "node:perf_hooks";
import type { Config } from "../../config/schema.js";

export type RefusalReason =
  | "bad_credentials"
  | "wrong_credentials"
  | "client_id"
  | "undeclared"
  | "serial_device"
  | "backoff"
  | "busy";

/** CONNACK return codes (MQTT 3.1.1, 3.2.2.3) per refusal reason. */
export const CONNACK_CODE: Record<RefusalReason, 2 | 3 | 4 | 5> = {
  bad_credentials: 4, // bad user name or password
  wrong_credentials: 4,
  backoff: 4, // indistinguishable from a wrong password for the one guessing
  client_id: 2, // identifier rejected
  undeclared: 5, // not authorized
  serial_device: 5,
  busy: 3, // server unavailable: retry later
};

const SUFFIX_RE = /^[A-Za-z0-9_-]{1,64}$/;

/** Whether an MQTT client id belongs to the device: `id` or `id.{suffix}`. */
export function clientIdAllowed(clientId: string, deviceId: string): boolean {
  if (clientId === deviceId) return true;
  return clientId.startsWith(`${deviceId}.`) && SUFFIX_RE.test(clientId.slice(deviceId.length + 1));
}

export interface IdentityRules {
  /** MQTT devices declared under `devices:`. */
  mqtt: ReadonlySet<string>;
  /** Serial device id → its bus id. */
  serial: ReadonlyMap<string, string>;
  allowUndeclared: boolean;
}

export function identityRules(config: Config): IdentityRules {
  const serial = new Map<string, string>();
  for (const b of config.buses) for (const d of b.devices) serial.set(d.id, b.id);
  return {
    mqtt: new Set(config.devices.map((d) => d.id)),
    serial,
    allowUndeclared: config.deviceBroker.allowUndeclaredDevices,
  };
}

/** Whether a device id may hold an MQTT credential and connect: undefined when it may. */
export function identityRefusal(
  rules: IdentityRules,
  id: string,
): { reason: "undeclared" | "serial_device"; message: string } | undefined {
  const bus = rules.serial.get(id);
  if (bus !== undefined) {
    return {
      reason: "serial_device",
      message: `"${id}" is a serial device on bus ${bus}: device ids are one namespace and a serial device takes no MQTT credential`,
    };
  }
  if (rules.mqtt.has(id) || rules.allowUndeclared) return undefined;
  return {
    reason: "undeclared",
    message: `"${id}" is not declared under devices: in the config (deviceBroker.allowUndeclaredDevices is false)`,
  };
}

export interface BackoffOptions {
  /** failures of one key allowed before it is blocked */
  freeFailures?: number;
  /** first block, ms; doubles with each further failure */
  baseMs?: number;
  maxMs?: number;
  /** a key with no failure for this long is forgotten */
  forgetMs?: number;
  /** most keys tracked (oldest forgotten first): the map cannot be grown without bound */
  maxKeys?: number;
  /** password checks (scrypt) per second for connections not already known good, burst = 2× */
  hashesPerSecond?: number;
  /** monotonic ms (durations survive wall-clock steps) */
  now?: () => number;
}

interface Entry {
  failures: number;
  until: number;
  last: number;
}

/**
 * Failed-password back-off, O(1) per CONNECT and before any hashing. Keys are `a:{address}` and
 * `u:{username}`. After `freeFailures` failures a key is blocked for `baseMs`, doubled per further
 * failure up to `maxMs`; attempts while blocked are refused without a password check and do not
 * extend the block. A username's block does not apply to an address with no failure of its own (a
 * device on another address is not locked out by someone guessing its password), but such checks
 * share a global budget of `hashesPerSecond`, so no pattern of addresses makes scrypt hog the loop.
 */
export class AuthBackoff {
  private readonly free: number;
  private readonly baseMs: number;
  private readonly maxMs: number;
  private readonly forgetMs: number;
  private readonly maxKeys: number;
  private readonly rate: number;
  private readonly now: () => number;
  private readonly keys = new Map<string, Entry>();
  private tokens: number;
  private refilledAt: number;

  constructor(o: BackoffOptions = {}) {
    this.free = o.freeFailures ?? 5;
    this.baseMs = o.baseMs ?? 1000;
    this.maxMs = o.maxMs ?? 60_000;
    this.forgetMs = o.forgetMs ?? 15 * 60_000;
    this.maxKeys = o.maxKeys ?? 10_000;
    this.rate = o.hashesPerSecond ?? 10;
    this.now = o.now ?? (() => performance.now());
    this.tokens = 2 * this.rate;
    this.refilledAt = this.now();
  }

  private entry(key: string): Entry | undefined {
    const e = this.keys.get(key);
    if (e && this.now() - e.last > this.forgetMs) {
      this.keys.delete(key);
      return undefined;
    }
    return e;
  }

  /** Why this attempt may not have its password checked now, or undefined when it may. */
  check(address: string, username: string): "backoff" | "busy" | undefined {
    const t = this.now();
    const a = this.entry(`a:${address}`);
    if (a && a.until > t) return "backoff";
    const u = this.entry(`u:${username}`);
    if (u && u.until > t && a && a.failures > 0) return "backoff";
    this.tokens = Math.min(2 * this.rate, this.tokens + ((t - this.refilledAt) * this.rate) / 1000);
    this.refilledAt = t;
    if (this.tokens < 1) return "busy";
    this.tokens -= 1;
    return undefined;
  }

  /** Record a wrong password. Returns the block now in force on the address, ms (0: none). */
  fail(address: string, username: string): number {
    let blocked = 0;
    for (const key of [`a:${address}`, `u:${username}`]) {
      const t = this.now();
      const e = this.entry(key) ?? { failures: 0, until: 0, last: t };
      e.failures++;
      e.last = t;
      if (e.failures > this.free) {
        const ms = Math.min(this.maxMs, this.baseMs * 2 ** Math.min(30, e.failures - this.free - 1));
        e.until = t + ms;
        if (key.startsWith("a:")) blocked = ms;
      }
      this.keys.delete(key); // re-insert: the map's order is the age order for eviction
      this.keys.set(key, e);
      if (this.keys.size > this.maxKeys) {
        const oldest = this.keys.keys().next().value;
        if (oldest !== undefined) this.keys.delete(oldest);
      }
    }
    return blocked;
  }

  /** A correct password: forget the failures of the address and the username. */
  succeed(address: string, username: string): void {
    this.keys.delete(`a:${address}`);
    this.keys.delete(`u:${username}`);
  }
}

/**
 * Log lines for refused CONNECTs, bounded: at most `perWindow` lines per reason per `windowMs`
 * (monotonic), so a flood of cheap refusals (a wrong client id, an undeclared username) cannot fill
 * the log or the disk, nor trip journald's rate limit and hide other lines. Every refusal is still
 * counted in the metrics. The first line after a quiet window says how many were left out.
 */
export class RefusalLogBudget {
  private readonly windows = new Map<string, { start: number; logged: number; left: number }>();

  constructor(
    private readonly perWindow = 10,
    private readonly windowMs = 60_000,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /**
   * Whether to log this refusal: `undefined` when not; otherwise the fields to add (`notLogged`:
   * refusals of this reason left out in the windows before; `more`: the last line of this window).
   */
  take(reason: string): { notLogged?: number; more?: string } | undefined {
    const t = this.now();
    let w = this.windows.get(reason);
    let notLogged = 0;
    if (!w || t - w.start >= this.windowMs) {
      notLogged = w?.left ?? 0;
      w = { start: t, logged: 0, left: 0 };
      this.windows.set(reason, w);
    }
    if (w.logged >= this.perWindow) {
      w.left++;
      return undefined;
    }
    w.logged++;
    return {
      ...(notLogged > 0 ? { notLogged } : {}),
      ...(w.logged === this.perWindow
        ? { more: `further refusals of this reason within ${this.windowMs / 1000} s are counted, not logged` }
        : {}),
    };
  }
}
