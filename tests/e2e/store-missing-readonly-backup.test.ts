/**
 * The store that is not there, cannot be written, or must be copied while the gateway runs:
 * - a missing or empty database where the data dir shows a past run is refused (exit 3,
 *   QH_STORE_MISSING naming the file) by `start` and by CLI writers; `store new` starts anew;
 * - a read-only data dir or database is QH_STORE_READONLY, exit 3, no stack;
 * - `store backup FILE` copies a live store while the gateway writes; the copy restores.
 * Real files and child processes.
 */
import { spawn, spawnSync } from "node:child_process";
import {
  chmodSync,
  chownSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  rmSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { newId } from "../../src/core/ids.js";
import { openDatabase } from "../../src/store/db.js";
import { Outbox } from "../../src/store/outbox.js";
import { BIN, exited, runCli, startGatewayProcess, writeConfig } from "../helpers/cli.js";
import { tempDir } from "../helpers/gateway.js";
import { makeStore } from "../helpers/store-files.js";

const root = tempDir("qh-store-missing-");
afterAll(() => rmSync(root, { recursive: true, force: true }));

function site(name: string, extra: Record<string, unknown> = {}): { dataDir: string; config: string } {
  const dir = join(root, name);
  const dataDir = join(dir, "data");
  const config = writeConfig(root, {
    gateway: { id: "gw-miss", site: "s" },
    dataDir,
    uplink: { url: "mqtt://127.0.0.1:1" },
    api: { host: "127.0.0.1", port: 0 },
    deviceBroker: { host: "127.0.0.1", port: 0 },
    ...extra,
  });
  return { dataDir, config };
}

const cli = (config: string, dataDir: string, ...args: string[]) =>
  runCli([...args, "--config", config, "--data-dir", dataDir]);
const NO_STACK = /\n\s+at |SqliteError/;

describe("a missing or empty database in a data dir that held a store", () => {
  it("locker.key without quarterhour.db: start exits 3 QH_STORE_MISSING naming the file; store new starts anew", () => {
    const { dataDir, config } = site("locker-key");
    makeStore(dataDir, 5);
    unlinkSync(join(dataDir, "quarterhour.db"));
    unlinkSync(join(dataDir, "store.id")); // only the locker's site key is left
    writeFileSync(join(dataDir, "locker.key"), "ab".repeat(32));
    const r = cli(config, dataDir, "start");
    expect(r.status).toBe(3);
    expect(r.stderr).toMatch(/^error QH_STORE_MISSING: /);
    expect(r.stderr).toContain(join(dataDir, "quarterhour.db"));
    expect(r.stderr).toContain("locker.key");
    expect(r.stderr).toMatch(/locker\.key in \S+ shows that a gateway ran here/);
    expect(r.stderr).toMatch(/backup.*quarterhour store new/s);
    expect(r.stderr).not.toMatch(NO_STACK);
    expect(existsSync(join(dataDir, "quarterhour.db"))).toBe(false); // nothing created behind our back

    const n = cli(config, dataDir, "store", "new");
    expect(n.status, n.stderr).toBe(0);
    expect(existsSync(join(dataDir, "locker.key"))).toBe(true); // the site key stays
    expect(cli(config, dataDir, "store", "check").status).toBe(0);
    // a healthy store is never replaced by `store new`
    const again = cli(config, dataDir, "store", "new");
    expect(again.status).toBe(2);
    expect(again.stderr).toMatch(/refusing to replace a healthy store/);
  });

  it("a store deleted after a real run: start and device add both refuse (exit 3), no new store appears", () => {
    const { dataDir, config } = site("deleted", {
      devices: [
        { id: "dev-1", model: "generic-mqtt" },
        { id: "dev-2", model: "generic-mqtt" },
      ],
    });
    const add = cli(
      config,
      dataDir,
      "device",
      "add",
      "dev-1",
      "--model",
      "generic-mqtt",
      "--secret",
      "s3cret-s3cret",
    );
    expect(add.status, add.stderr).toBe(0);
    unlinkSync(join(dataDir, "quarterhour.db"));
    for (const args of [
      ["start"],
      ["device", "add", "dev-2", "--model", "generic-mqtt"],
      ["outbox", "stats"],
      ["device", "list"],
      ["store", "check"],
    ]) {
      const r = cli(config, dataDir, ...args);
      expect(r.status, args.join(" ")).toBe(3);
      expect(r.stderr).toMatch(/QH_STORE_MISSING: .*quarterhour\.db is missing, but store\.id/);
    }
    expect(existsSync(join(dataDir, "quarterhour.db"))).toBe(false);
  });

  it("a 0-byte quarterhour.db: start exits 3 QH_STORE_MISSING ('empty')", () => {
    const { dataDir, config } = site("empty");
    makeStore(dataDir, 5);
    writeFileSync(join(dataDir, "quarterhour.db"), "");
    const r = cli(config, dataDir, "start");
    expect(r.status).toBe(3);
    expect(r.stderr).toMatch(/QH_STORE_MISSING: .*quarterhour\.db is empty \(0 bytes\)/);
  });

  it("a data dir where no gateway ran: outbox stats shows zeros and creates nothing (read-only)", () => {
    const { dataDir, config } = site("first");
    const r = cli(config, dataDir, "outbox", "stats", "--json");
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ pending: 0, lastSeq: 0 });
    expect(existsSync(join(dataDir, "quarterhour.db"))).toBe(false);
  });
});

describe("a read-only data dir containing a database", () => {
  // root may write anywhere: run the gateway as `nobody` then (chmod alone proves nothing)
  const asRoot = process.getuid?.() === 0;
  const runAs = (config: string, dataDir: string) =>
    spawnSync(process.execPath, [BIN, "start", "--config", config, "--data-dir", dataDir], {
      encoding: "utf8",
      timeout: 30_000,
      ...(asRoot ? { uid: 65534, gid: 65534 } : {}),
    });

  it.each([
    ["the directory", "dir"],
    ["the database file", "file"],
  ])("%s not writable: QH_STORE_READONLY naming it, exit 3, no stack", (_what, which) => {
    const { dataDir, config } = site(`ro-${which}`);
    makeStore(dataDir, 5);
    chmodSync(root, 0o755);
    chmodSync(join(root, `ro-${which}`), 0o755);
    const file = join(dataDir, "quarterhour.db");
    if (which === "dir") {
      chmodSync(file, 0o444);
      chmodSync(dataDir, 0o555);
    } else {
      if (asRoot) chownSync(dataDir, 65534, 65534);
      chmodSync(file, 0o444);
    }
    try {
      const r = runAs(config, dataDir);
      expect(r.status).toBe(3);
      expect(r.stderr).toMatch(/^error QH_STORE_READONLY: /);
      expect(r.stderr).toContain(which === "dir" ? `${dataDir} is not writable` : `${file} is not writable`);
      expect(r.stderr).not.toMatch(NO_STACK);
    } finally {
      chmodSync(dataDir, 0o755);
    }
  });
});

describe("store backup while the gateway runs", () => {
  it("copies a consistent, checked store while events are written; the copy restores", async () => {
    const { dataDir, config } = site("backup");
    makeStore(dataDir, 2000);
    const { proc } = await startGatewayProcess(config, ["--data-dir", dataDir]);
    // a second writer keeps committing while the backup runs (the case a stepwise copy restarts on)
    const db = openDatabase({ dataDir });
    const outbox = new Outbox(db);
    let seq = 100_000;
    const writer = setInterval(() => {
      for (let i = 0; i < 20; i++) outbox.insert("gw-x", ++seq, newId(), Date.now(), "dev-1", "t.x", "{}");
    }, 5);
    const dest = join(root, "backup", "qh-backup.db");
    try {
      const b = spawn(
        process.execPath,
        [BIN, "store", "backup", dest, "--config", config, "--data-dir", dataDir],
        {
          stdio: ["ignore", "pipe", "pipe"],
        },
      );
      let out = "";
      b.stdout.on("data", (d: Buffer) => {
        out += d.toString();
      });
      b.stderr.on("data", (d: Buffer) => {
        out += d.toString();
      });
      expect(await exited(b), out).toBe(0);
      expect(out).toMatch(/checked ok/);
    } finally {
      clearInterval(writer);
      db.close();
      proc.kill("SIGTERM");
      await exited(proc);
    }
    expect(seq).toBeGreaterThan(100_000); // the writer did write meanwhile
    // restore: the backup file becomes quarterhour.db of a data dir
    const restored = site("restored");
    mkdirSync(restored.dataDir, { recursive: true });
    copyFileSync(dest, join(restored.dataDir, "quarterhour.db"));
    expect(cli(restored.config, restored.dataDir, "store", "check").status).toBe(0);
    const s = JSON.parse(cli(restored.config, restored.dataDir, "outbox", "stats", "--json").stdout) as {
      pending: number;
    };
    expect(s.pending).toBeGreaterThanOrEqual(2000);
    // refuses to overwrite an existing file
    const again = cli(config, dataDir, "store", "backup", dest);
    expect(again.status).toBe(2);
    expect(again.stderr).toMatch(/QH_USAGE: .* exists/);
    // one self-contained file: no -wal or -shm beside the backup
    expect(existsSync(`${dest}-wal`)).toBe(false);
    expect(existsSync(`${dest}-shm`)).toBe(false);
    // a directory that is not there: a coded path error (exit 2), not "this is a bug"
    const nowhere = cli(config, dataDir, "store", "backup", join(root, "no", "such", "dir", "b.db"));
    expect(nowhere.status).toBe(2);
    expect(nowhere.stderr).toMatch(/^error QH_PATH_INVALID: /);
  });
});
