/**
 * The read-only store commands where the box is failing: a card the kernel remounted read-only
 * (a real tmpfs remounted `ro`), and a page-size conversion killed half way (a hot rollback
 * journal, made by copying a store and its journal in the middle of a transaction). `store check`
 * must also leave no file behind. The CLI runs as a child process.
 */
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { openDatabase } from "../../src/store/db.js";
import { runCli, writeConfig } from "../helpers/cli.js";
import { tempDir } from "../helpers/gateway.js";
import { SMALL_DISK_UNAVAILABLE } from "../helpers/small-disk.js";
import { makeStore } from "../helpers/store-files.js";

const root = tempDir("qh-ro-store-");
const mounts: string[] = [];
afterAll(() => {
  for (const m of mounts) {
    try {
      execFileSync("umount", [m], { stdio: "pipe" });
    } catch {
      // already gone
    }
  }
  rmSync(root, { recursive: true, force: true });
});

function configFor(dir: string, dataDir: string): string {
  return writeConfig(dir, {
    gateway: { id: "gw-test", site: "s" },
    dataDir,
    uplink: { url: "mqtt://127.0.0.1:1" },
    api: { host: "127.0.0.1", port: 0 },
  });
}

describe("store check is read-only", () => {
  it("leaves no -wal or -shm beside a store closed cleanly, and reports the WAL's size", () => {
    const dataDir = join(root, "clean", "data");
    mkdirSync(dataDir, { recursive: true });
    makeStore(dataDir, 50);
    const config = configFor(join(root, "clean"), dataDir);
    const before = readdirSync(dataDir).sort();
    const r = runCli(["store", "check", "--config", config]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/ok \(\d+ bytes, WAL 0 bytes/);
    expect(readdirSync(dataDir).sort()).toEqual(before);
    const j = JSON.parse(runCli(["store", "check", "--json", "--config", config]).stdout) as {
      walBytes: number;
    };
    expect(j.walBytes).toBe(0);
  });
});

describe.skipIf(SMALL_DISK_UNAVAILABLE !== undefined)("a data dir on a read-only mount", () => {
  it("check, backup and outbox stats work; start says read-only file system (exit 3)", () => {
    const mnt = mkdtempSync(join(tmpdir(), "qh-ro-mount-"));
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=8m", "tmpfs", mnt], { stdio: "pipe" });
    mounts.push(mnt);
    const dataDir = join(mnt, "data");
    mkdirSync(dataDir);
    makeStore(dataDir, 120);
    execFileSync("mount", ["-o", "remount,ro", mnt], { stdio: "pipe" });
    mkdirSync(join(root, "ro"), { recursive: true });
    const config = configFor(join(root, "ro"), dataDir);

    const check = runCli(["store", "check", "--config", config]);
    expect(check.status, check.stderr).toBe(0);
    expect(check.stdout).toMatch(/events: 120, last seq: 120/);

    const dest = join(root, "ro-backup.db");
    const backup = runCli(["store", "backup", dest, "--config", config]);
    expect(backup.status, backup.stderr).toBe(0);
    expect(backup.stdout).toMatch(/last seq 120, checked ok/);
    expect(statSync(dest).size).toBeGreaterThan(0);

    const stats = runCli(["outbox", "stats", "--config", config]);
    expect(stats.status, stats.stderr).toBe(0);

    const start = runCli(["start", "--config", config]);
    expect(start.status).toBe(3);
    expect(start.stderr).toMatch(/QH_STORE_READONLY_FS: .* is on a read-only file system/);
    expect(start.stderr).not.toMatch(/for this user/);
    expect(start.stderr).toMatch(/store backup/); // the hint: a backup while it still reads
    expect(readdirSync(dataDir).sort()).toEqual(
      ["quarterhour.db", "store.id"].filter((f) => existsSync(join(dataDir, f))),
    );
  });
});

describe("a page-size conversion killed half way (hot rollback journal)", () => {
  it("store check names the interrupted rewrite and the way out; the next open rolls it back", () => {
    const work = join(root, "journal-work");
    mkdirSync(work, { recursive: true });
    const dataDir = join(root, "journal", "data");
    mkdirSync(dataDir, { recursive: true });
    makeStore(work, 200);
    const src = join(work, "quarterhour.db");
    // What VACUUM does to a store in rollback-journal mode, stopped in the middle: pages already
    // overwritten in the file, their old contents in the journal. The copy is taken then.
    const db = new Database(src);
    db.pragma("journal_mode = DELETE");
    db.pragma("cache_size = 2"); // spill dirty pages into the file before the commit
    db.exec("BEGIN");
    db.exec("UPDATE events SET data = '{\"rewritten\":true}'");
    expect(statSync(`${src}-journal`).size).toBeGreaterThan(0);
    copyFileSync(src, join(dataDir, "quarterhour.db"));
    copyFileSync(`${src}-journal`, join(dataDir, "quarterhour.db-journal"));
    db.exec("ROLLBACK");
    db.close();
    copyFileSync(join(work, "store.id"), join(dataDir, "store.id"));
    const config = configFor(join(root, "journal"), dataDir);

    const r = runCli(["store", "check", "--config", config]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/QH_STORE_INTERRUPTED: .*quarterhour\.db-journal .*interrupted rewrite/);
    expect(r.stderr).toMatch(/Start the gateway/);
    expect(r.stderr).not.toMatch(/QH_STORE_READONLY|gateway's user/);
    expect(existsSync(join(dataDir, "quarterhour.db-journal"))).toBe(true); // untouched

    openDatabase({ dataDir }).close(); // what the gateway's start does: SQLite rolls it back
    const again = runCli(["store", "check", "--config", config]);
    expect(again.status, again.stdout).toBe(0);
    expect(again.stdout).toMatch(/events: 200/);
  });
});
