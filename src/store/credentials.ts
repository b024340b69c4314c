import { createHmac, randomBytes, scrypt, scryptSync, timingSafeEqual } from "node:crypto";
import { DEVICE_ID_RE } from "../core/envelope.js";
import { QhError } from "../core/errors.js";
import type { Db } from "./db.js";
import { guardWrite, storeFaultOf } from "./disk.js";

/**
 * Device credentials, stored as scrypt hashes: `scrypt$N$r$p$salt$hash` (base64). The secret is
 * never stored and printed once, when generated.
 */
const N = 16384;
const R = 8;
const P = 1;
const KEYLEN = 32;

function scryptAsync(secret: string, salt: Buffer, n: number, r: number, p: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(secret, salt, KEYLEN, { N: n, r, p, maxmem: 64 * 1024 * 1024 }, (err, key) =>
      err ? reject(err) : resolve(key),
    );
  });
}

export async function hashSecret(secret: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(secret, salt, N, R, P);
  return `scrypt$${N}$${R}$${P}$${salt.toString("base64")}$${key.toString("base64")}`;
}

export async function verifySecret(secret: string, stored: string): Promise<boolean> {
  const parts = stored.split("$");
  if (parts.length !== 6 || parts[0] !== "scrypt") return false;
  const [, n, r, p, salt, hash] = parts as [string, string, string, string, string, string];
  const expected = Buffer.from(hash, "base64");
  const key = await scryptAsync(secret, Buffer.from(salt, "base64"), Number(n), Number(r), Number(p));
  return key.length === expected.length && timingSafeEqual(key, expected);
}

export function verifySecretSync(secret: string, stored: string): boolean {
  const parts = stored.split("$");
  if (parts.length !== 6 || parts[0] !== "scrypt") return false;
  const [, n, r, p, salt, hash] = parts as [string, string, string, string, string, string];
  const expected = Buffer.from(hash, "base64");
  const key = scryptSync(secret, Buffer.from(salt, "base64"), KEYLEN, {
    N: Number(n),
    r: Number(r),
    p: Number(p),
    maxmem: 64 * 1024 * 1024,
  });
  return key.length === expected.length && timingSafeEqual(key, expected);
}

export function generateSecret(): string {
  return randomBytes(18).toString("base64url");
}

export interface DeviceRecord {
  id: string;
  model: string;
  createdAt: number;
}

export class Credentials {
  /** device id → keyed tag of (stored hash, secret) last verified: reconnects skip scrypt */
  private readonly verified = new Map<string, string>();
  private readonly tagKey = randomBytes(32);
  /** scrypt runs one at a time: 16 MiB each, so a reconnect storm neither balloons memory nor CPU */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly db: Db) {}

  async add(id: string, model: string, secret: string): Promise<void> {
    if (!DEVICE_ID_RE.test(id)) throw new QhError("QH_DEVICE_INVALID", `invalid device id "${id}"`);
    if (secret.length < 8)
      throw new QhError(
        "QH_DEVICE_SECRET_INVALID",
        `the secret must be at least 8 characters (got ${secret.length})`,
      );
    const hash = await hashSecret(secret);
    try {
      this.db
        .prepare("INSERT INTO devices (id, model, secret_hash, created_at) VALUES (?, ?, ?, ?)")
        .run(id, model, hash, Date.now());
    } catch (err) {
      if (String((err as Error).message).includes("UNIQUE")) {
        throw new QhError("QH_DEVICE_EXISTS", `device "${id}" already exists`);
      }
      throw storeFaultOf(this.db).record(err, "device credentials");
    }
  }

  remove(id: string): void {
    const n = guardWrite(this.db, "device credentials", () =>
      this.db.prepare("DELETE FROM devices WHERE id = ?").run(id),
    ).changes;
    this.verified.delete(id);
    if (n === 0) throw new QhError("QH_DEVICE_UNKNOWN", `no device "${id}"`);
  }

  list(): DeviceRecord[] {
    return (
      this.db.prepare("SELECT id, model, created_at FROM devices ORDER BY id").all() as {
        id: string;
        model: string;
        created_at: number;
      }[]
    ).map((r) => ({ id: r.id, model: r.model, createdAt: r.created_at }));
  }

  private tag(secretHash: string, secret: string): string {
    return createHmac("sha256", this.tagKey).update(secretHash).update("\0").update(secret).digest("base64");
  }

  /**
   * The device's record when this very secret was verified before against its current hash (an
   * HMAC, no scrypt: cheap enough to run before any rate limit); undefined otherwise, including
   * when the device is unknown.
   */
  recognised(id: string, secret: string): DeviceRecord | undefined {
    const known = this.verified.get(id);
    if (known === undefined) return undefined;
    const rec = this.get(id);
    return rec && this.tag(rec.secretHash, secret) === known ? rec : undefined;
  }

  get(id: string): (DeviceRecord & { secretHash: string }) | undefined {
    const r = this.db
      .prepare("SELECT id, model, secret_hash, created_at FROM devices WHERE id = ?")
      .get(id) as { id: string; model: string; secret_hash: string; created_at: number } | undefined;
    return r && { id: r.id, model: r.model, createdAt: r.created_at, secretHash: r.secret_hash };
  }

  /**
   * Check a device's secret. The record is looked up fresh each time, so `device remove` (or a new
   * secret) takes effect at once; a secret already verified against the same stored hash is
   * recognised by a keyed tag held in memory only, without another scrypt.
   */
  async verify(id: string, secret: string): Promise<DeviceRecord | undefined> {
    const rec = this.get(id);
    if (!rec) return undefined;
    const tag = this.tag(rec.secretHash, secret);
    if (this.verified.get(id) === tag) return rec;
    // On the main thread, one at a time: scrypt's 16 MiB then comes from (and returns to) the main
    // heap. Run in the thread pool, each worker thread's malloc arena kept its own 16 MiB for good
    // (measured: +50 MB RSS after five devices connected). It costs each device's first connect
    // after a restart ~40 ms of the loop; later connects hit the tag above.
    const run = this.queue.then(
      () => this.verified.get(id) === tag || verifySecretSync(secret, rec.secretHash),
    );
    this.queue = run.catch(() => false);
    const ok = await run;
    if (ok) this.verified.set(id, tag);
    return ok ? rec : undefined;
  }
}
