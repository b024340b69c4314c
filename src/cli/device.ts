import { loadModels } from "../config/models.js";
import { QhError } from "../core/errors.js";
import { Credentials, generateSecret } from "../store/credentials.js";
import { openDatabase } from "../store/db.js";
import { readConfig } from "./common.js";

interface Opts {
  config: string;
  dataDir?: string;
}

function withCredentials<T>(opts: Opts, f: (c: Credentials) => T): T {
  const config = readConfig(opts);
  const db = openDatabase({ dataDir: config.dataDir, synchronous: config.store.synchronous });
  try {
    return f(new Credentials(db));
  } finally {
    db.close();
  }
}

export async function deviceAdd(id: string, opts: Opts & { model: string; secret?: string }): Promise<void> {
  const models = loadModels();
  if (opts.model !== "generic-mqtt" && !models.has(opts.model)) {
    throw new QhError(
      "QH_MODEL_UNKNOWN",
      `unknown model "${opts.model}" (known: generic-mqtt, ${[...models.keys()].join(", ")})`,
    );
  }
  const secret = opts.secret ?? generateSecret();
  const config = readConfig(opts);
  const db = openDatabase({ dataDir: config.dataDir, synchronous: config.store.synchronous });
  try {
    await new Credentials(db).add(id, opts.model, secret);
  } finally {
    db.close();
  }
  process.stdout.write(`device ${id} added (model ${opts.model})\n`);
  if (!opts.secret) {
    process.stdout.write(
      `secret: ${secret}\n(shown once; it is stored hashed. Connect with username ${id} and this password.)\n`,
    );
  }
}

export function deviceList(opts: Opts & { json?: boolean }): void {
  const list = withCredentials(opts, (c) => c.list());
  if (opts.json) {
    process.stdout.write(`${JSON.stringify(list)}\n`);
    return;
  }
  if (list.length === 0) process.stdout.write("no devices\n");
  for (const d of list) process.stdout.write(`${d.id}\t${d.model}\t${new Date(d.createdAt).toISOString()}\n`);
}

export function deviceRemove(id: string, opts: Opts): void {
  withCredentials(opts, (c) => c.remove(id));
  process.stdout.write(`device ${id} removed\n`);
}
