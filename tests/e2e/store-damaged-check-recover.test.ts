import { spawn } from "node:child_process";
/**
 * A damaged database (garbage header, truncated file, one damaged page): `start` and every other
 * command exit 3 with QH_STORE_CORRUPT naming the file, no stack; `store check` says so (exit 3);
 * `store recover` salvages what SQLite can read, keeps the old file, and seq continues.
 * Real SQLite files, damaged by writing bytes into them; the CLI runs as a child process.
 */
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { silentLogger } from "../../src/core/logger.js";
import { startGateway } from "../../src/gateway.js";
import { runCli, writeConfig } from "../helpers/cli.js";
import { tempDir, testConfig } from "../helpers/gateway.js";
import { DAMAGES, makeStore, writeBytes } from "../helpers/store-files.js";

const N = 3000;
const root = tempDir("qh-store-damaged-");
afterAll(() => rmSync(root, { recursive: true, force: true }));

function site(name: string): { dataDir: string; config: string } {
  const dir = join(root, name);
  const dataDir = join(dir, "data");
  const config = writeConfig(root, {
    gateway: { id: "gw-dmg", site: "s" },
    dataDir,
    uplink: { url: "mqtt://127.0.0.1:1" },
  });
  return { dataDir, config: config };
}

const cli = (config: string, dataDir: string, ...args: string[]) =>
  runCli([...args, "--config", config, "--data-dir", dataDir]);

const NO_STACK = /\n\s+at |SqliteError/;

function outboxStats(config: string, dataDir: string): { pending: number; lastSeq: number } {
  const r = cli(config, dataDir, "outbox", "stats", "--json");
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as { pending: number; lastSeq: number };
}

describe.each(Object.keys(DAMAGES))("a database with a %s", (damage) => {
  const { dataDir, config } = site(damage.replaceAll(" ", "-"));
  const store = makeStore(dataDir, N);
  DAMAGES[damage]!(store, statSync(store.file).size);

  it("start exits 3 with QH_STORE_CORRUPT naming the file, no stack", () => {
    const r = cli(config, dataDir, "start");
    expect(r.status).toBe(3);
    expect(r.stderr).toMatch(/^error QH_STORE_CORRUPT: /);
    expect(r.stderr).toContain(store.file);
    expect(r.stderr).toMatch(/quarterhour store recover/);
    expect(r.stderr).not.toMatch(NO_STACK);
  });

  it("another command reading it (outbox stats) is a coded error with exit 3, not a raw SqliteError", () => {
    const r = cli(config, dataDir, "outbox", "stats");
    expect(r.status).toBe(3);
    expect(r.stderr).toMatch(/^error QH_STORE_CORRUPT: .*quarterhour\.db/);
    expect(r.stderr).not.toMatch(NO_STACK);
  });

  it("store check reports it damaged, exit 3", () => {
    const r = cli(config, dataDir, "store", "check");
    expect(r.status).toBe(3);
    expect(r.stdout).toContain(`${store.file}: DAMAGED`);
  });

  it("store recover salvages into a new file, keeps the old one; the gateway starts and seq continues", async () => {
    const before = readFileSync(store.file);
    const minSeq: string[] = [];
    if (damage === "truncated file") {
      // the end of the events table is gone: the last seq is unknown, so recover asks for it
      const refused = cli(config, dataDir, "store", "recover");
      expect(refused.status).toBe(3);
      expect(refused.stderr).toMatch(/^error QH_STORE_SEQ_UNKNOWN: .*--min-seq/s);
      expect(readFileSync(store.file).equals(before)).toBe(true);
      minSeq.push("--min-seq", String(N + 1)); // the platform's last seq + 1
    }
    const r = cli(config, dataDir, "store", "recover", "--json", ...minSeq);
    expect(r.status, r.stderr).toBe(0);
    const res = JSON.parse(r.stdout) as { kept: string[]; lastSeq: number; maxRecoveredSeq: number };
    // the damaged file is kept byte for byte
    expect(res.kept).toHaveLength(1);
    expect(readFileSync(res.kept[0]!).equals(before)).toBe(true);
    expect(readdirSync(dataDir).some((f) => f.startsWith("quarterhour.db.damaged-"))).toBe(true);

    const s = outboxStats(config, dataDir);
    if (damage === "garbage header") expect(s.pending).toBe(N); // every page was intact
    if (damage === "one damaged page") {
      expect(s.pending).toBeLessThan(N); // the rows on that page are gone…
      expect(s.pending).toBeGreaterThan(N - 40); // …and only those (a few rows to a 1 KiB page)
    }
    if (damage === "truncated file") {
      expect(s.pending).toBeGreaterThan(N * 0.4);
      expect(s.pending).toBeLessThan(N);
    }
    expect(s.lastSeq).toBe(N); // never hands out a seq the platform may have seen

    const gw = await startGateway({
      config: testConfig("mqtt://127.0.0.1:1", {}, dataDir),
      log: silentLogger(),
    });
    try {
      expect(gw.ingest.lastSeq).toBe(N); // the last seq handed out: the next event gets N + 1
    } finally {
      await gw.stop();
    }
  });
});

describe("store recover: seq", () => {
  it("continues from the highest recovered seq when the stored sequence itself is lost", () => {
    const { dataDir, config } = site("sequence-lost");
    const store = makeStore(dataDir, 500);
    // damage the page of sqlite_sequence (a one-page table): events stay readable
    const seqPage = store.rootPages.sqlite_sequence!;
    writeBytes(store.file, (seqPage - 1) * store.pageSize, Buffer.alloc(store.pageSize, 0x33));
    expect(cli(config, dataDir, "start").status).toBe(3);
    const r = cli(config, dataDir, "store", "recover", "--json");
    expect(r.status, r.stderr).toBe(0);
    const res = JSON.parse(r.stdout) as { method: string; maxRecoveredSeq: number; lastSeq: number };
    expect(res.method).toBe("salvage");
    expect(res.maxRecoveredSeq).toBe(500);
    expect(res.lastSeq).toBe(500);
    expect(outboxStats(config, dataDir)).toMatchObject({ pending: 500, lastSeq: 500 });
  });

  it("--min-seq moves the next seq past what the platform already has", () => {
    const { dataDir, config } = site("min-seq");
    makeStore(dataDir, 50);
    const r = cli(config, dataDir, "store", "recover", "--min-seq", "1001");
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/VACUUM INTO/); // a clean file is copied whole
    expect(r.stdout).toMatch(/the next event gets seq 1001/);
    expect(outboxStats(config, dataDir).lastSeq).toBe(1000);
  });

  it("refuses while a gateway holds the data dir (gateway.lock with a live pid), exit 1", () => {
    const { dataDir, config } = site("locked");
    makeStore(dataDir, 10);
    // a live process that the lock recognises as quarterhour's (its command line names it)
    const holder = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)", "quarterhour"], {
      stdio: "ignore",
    });
    try {
      const lock = join(dataDir, "gateway.lock");
      require_write(lock, `${holder.pid}\n`);
      const r = cli(config, dataDir, "store", "recover");
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`QH_STORE_LOCKED: .*pid ${holder.pid}`));
      expect(existsSync(join(dataDir, "quarterhour.db"))).toBe(true);
      // a lock left by a dead process does not block
      require_write(lock, `${2 ** 22 + 12345}\n`);
      expect(cli(config, dataDir, "store", "recover").status).toBe(0);
    } finally {
      holder.kill("SIGKILL");
    }
  });
});

describe("deploy/quarterhour.service", () => {
  it("does not restart a gateway that exited 3 (the store needs a person)", () => {
    const unit = readFileSync(join(import.meta.dirname, "../../deploy/quarterhour.service"), "utf8");
    expect(unit).toMatch(/^Restart=always$/m);
    expect(unit).toMatch(/^RestartPreventExitStatus=.*\b3\b/m);
  });
});

import { writeFileSync as require_write } from "node:fs";
