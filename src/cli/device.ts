/**
 * `quarterhour device add | list | remove`. Writers never write the database beside a running
 * gateway: they take the data dir's lock and write themselves when no gateway runs, and otherwise ask
 * the gateway over its control socket to do the write (src/control/socket.ts). `list` only reads.
 */
import { existsSync, mkdirSync } from "node:fs";
import { loadModels } from "../config/models.js";
import type { Config } from "../config/schema.js";
import { ControlUnavailable, controlRequest } from "../control/socket.js";
import { QhError } from "../core/errors.js";
import { provisionableModel, provisionDevice } from "../southbound/mqtt/provisioning.js";
import { Credentials, generateSecret } from "../store/credentials.js";
import { type Db, dbFile, openDatabase } from "../store/db.js";
import { assertStorePresent } from "../store/integrity.js";
import { acquireDataDirLock, lockHolder } from "../store/lock.js";
import { readConfig } from "./common.js";

interface Opts {
  config: string;
  dataDir?: string;
}

/**
 * Run a database write as the data dir's only writer: locally under the lock when no gateway runs,
 * else through the gateway. Retries for up to `waitMs` while the lock holder is starting up or is
 * another CLI writer; then `QH_STORE_LOCKED` naming the holder's pid.
 */
async function asWriter<T>(
  config: Config,
  local: (db: Db) => Promise<T> | T,
  remote: Record<string, unknown>,
  waitMs = 5000,
): Promise<T> {
  const deadline = performance.now() + waitMs;
  mkdirSync(config.dataDir, { recursive: true });
  for (;;) {
    let lock: ReturnType<typeof acquireDataDirLock> | undefined;
    let locked: unknown;
    try {
      lock = acquireDataDirLock(config.dataDir);
    } catch (err) {
      if (!(err instanceof QhError) || err.code !== "QH_STORE_LOCKED") throw err;
      locked = err;
    }
    if (lock) {
      try {
        const db = openDatabase({ dataDir: config.dataDir, synchronous: config.store.synchronous });
        try {
          return await local(db);
        } finally {
          db.close();
        }
      } finally {
        lock.release();
      }
    }
    try {
      return (await controlRequest(config.dataDir, remote)) as T;
    } catch (err) {
      if (!(err instanceof ControlUnavailable)) throw err;
      if (performance.now() >= deadline) {
        const pid = lockHolder(config.dataDir);
        throw new QhError(
          "QH_STORE_LOCKED",
          `${(locked as Error).message}, and it does not answer on its control socket: stop it (pid ${pid}) and retry`,
          { pid },
        );
      }
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function deviceAdd(id: string, opts: Opts & { model?: string; secret?: string }): Promise<void> {
  const config = readConfig(opts);
  if (opts.secret !== undefined && opts.secret.length < 8) {
    throw new QhError(
      "QH_DEVICE_SECRET_INVALID",
      `the secret must be at least 8 characters (got ${opts.secret.length})`,
    );
  }
  const models = loadModels();
  // checked here too, so a usage error is told the same way whether or not the gateway runs
  const model = provisionableModel(config, models, id, opts.model);
  const secret = opts.secret ?? generateSecret();
  await asWriter(
    config,
    (db) => provisionDevice(new Credentials(db), config, models, { id, model, secret }),
    { op: "device.add", id, model, secret },
  );
  process.stdout.write(`device ${id} added (model ${model})\n`);
  if (!opts.secret) {
    process.stdout.write(
      `secret: ${secret}\n(shown once; it is stored hashed. Connect with username ${id}, client id ${id} and this password.)\n`,
    );
  }
}

export function deviceList(opts: Opts & { json?: boolean }): void {
  const config = readConfig(opts);
  let list: ReturnType<Credentials["list"]> = [];
  // a data dir that held a store but lost its database is QH_STORE_MISSING, not "no devices"
  if (existsSync(config.dataDir)) assertStorePresent(config.dataDir);
  if (existsSync(dbFile(config.dataDir))) {
    const db = openDatabase({ dataDir: config.dataDir, readonly: true });
    try {
      list = new Credentials(db).list();
    } finally {
      db.close();
    }
  }
  if (opts.json) {
    process.stdout.write(`${JSON.stringify(list)}\n`);
    return;
  }
  if (list.length === 0) {
    process.stdout.write("no devices provisioned\n");
    return;
  }
  const w = Math.max(2, ...list.map((d) => d.id.length));
  const m = Math.max(5, ...list.map((d) => d.model.length));
  process.stdout.write(`${"ID".padEnd(w)}  ${"MODEL".padEnd(m)}  ADDED\n`);
  for (const d of list)
    process.stdout.write(`${d.id.padEnd(w)}  ${d.model.padEnd(m)}  ${new Date(d.createdAt).toISOString()}\n`);
}

export async function deviceRemove(id: string, opts: Opts): Promise<void> {
  const config = readConfig(opts);
  const out = await asWriter(
    config,
    (db) => {
      new Credentials(db).remove(id);
      return { id, disconnected: 0 };
    },
    { op: "device.remove", id },
  );
  const n = (out as { disconnected?: number }).disconnected ?? 0;
  process.stdout.write(`device ${id} removed${n > 0 ? ` (${n} live connection(s) closed)` : ""}\n`);
}
