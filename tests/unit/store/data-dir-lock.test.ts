import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { acquireDataDirLock, LOCK_FILE, lockHolder } from "../../../src/store/lock.js";
import { tempDir } from "../../helpers/gateway.js";

const root = tempDir("qh-lock-");
afterAll(() => rmSync(root, { recursive: true, force: true }));
let k = 0;
const fresh = () => {
  const d = join(root, `d${k++}`);
  mkdirSync(d);
  return d;
};

describe("the data dir lock (gateway.lock)", () => {
  it("holds the pid as decimal text; a second taker is refused with QH_STORE_LOCKED naming it; release frees it", () => {
    const dir = fresh();
    const lock = acquireDataDirLock(dir);
    expect(readFileSync(join(dir, LOCK_FILE), "utf8").trim()).toBe(String(process.pid));
    expect(() => acquireDataDirLock(dir)).toThrow(
      expect.objectContaining({
        code: "QH_STORE_LOCKED",
        message: expect.stringContaining(`pid ${process.pid}`),
      }),
    );
    lock.release();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
    acquireDataDirLock(dir).release();
  });

  it("a lock left by a process that is gone is taken over", () => {
    const dir = fresh();
    writeFileSync(join(dir, LOCK_FILE), "2147483646\n"); // no such pid
    const lock = acquireDataDirLock(dir);
    expect(lockHolder(dir)).toBe(process.pid);
    expect(lock.takenOverFrom).toBe(2147483646); // the gateway logs it at warn with this pid
    lock.release();
    const again = acquireDataDirLock(dir); // a clean take: nothing taken over
    expect(again.takenOverFrom).toBeUndefined();
    again.release();
  });

  it("a lock naming this process's own pid, not held by it (a reboot reused the pid), is taken over", () => {
    const dir = fresh();
    writeFileSync(join(dir, LOCK_FILE), `${process.pid}\n`);
    acquireDataDirLock(dir).release();
  });

  it("a lock whose pid now belongs to another program (not quarterhour) is taken over", async () => {
    const dir = fresh();
    const other = spawn("sleep", ["30"], { stdio: "ignore" });
    try {
      await new Promise((r) => other.once("spawn", r));
      writeFileSync(join(dir, LOCK_FILE), `${other.pid}\n`);
      acquireDataDirLock(dir).release();
    } finally {
      other.kill("SIGKILL");
    }
  });

  it("a lock held by a live quarterhour process is respected", async () => {
    const dir = fresh();
    // a process whose command line names quarterhour, as `node bin/quarterhour.js …` does
    const other = spawn(process.execPath, ["-e", "setTimeout(() => {}, 30000)", "quarterhour"], {
      stdio: "ignore",
    });
    try {
      await new Promise((r) => other.once("spawn", r));
      writeFileSync(join(dir, LOCK_FILE), `${other.pid}\n`);
      expect(() => acquireDataDirLock(dir)).toThrow(
        expect.objectContaining({
          code: "QH_STORE_LOCKED",
          message: expect.stringContaining(`pid ${other.pid}`),
        }),
      );
    } finally {
      other.kill("SIGKILL");
    }
  });

  it("a data dir that cannot be written is QH_STORE_OPEN naming the lock file", () => {
    expect(() => acquireDataDirLock(join(root, "missing", "deeper"))).toThrow(
      expect.objectContaining({ code: "QH_STORE_OPEN", message: expect.stringContaining(LOCK_FILE) }),
    );
  });
});
