import { rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Checkpointer, type CheckpointReply } from "../../../src/store/checkpointer.js";
import { type Db, openDatabase } from "../../../src/store/db.js";
import { tempDir } from "../../helpers/gateway.js";

/** The size past which the WAL asks for a checkpoint, and that a restart cuts it back to. */
const LIMIT = 256 * 1024;

/**
 * A writer that commits at every turn of the loop keeps a PASSIVE checkpoint from ever ending
 * with nothing left to copy, so the WAL never restarts; the catch-up holds it for one checkpoint.
 */
describe("Checkpointer catch-up", () => {
  let dir: string;
  let db: Db;
  let cp: Checkpointer | undefined;
  let replies: CheckpointReply[];
  const file = () => join(dir, "quarterhour.db");
  const walSize = () => statSync(`${file()}-wal`).size;
  const fill = (rows: number) => {
    const ins = db.prepare("INSERT INTO meta (key, value) VALUES (?, ?)");
    db.transaction(() => {
      for (let i = 0; i < rows; i++) ins.run(`k${Math.random()}`, "v".repeat(2000));
    })();
  };
  const replied = async (n: number): Promise<void> => {
    while (replies.length < n) await new Promise((r) => setTimeout(r, 2));
  };

  beforeEach(() => {
    dir = tempDir();
    db = openDatabase({ dataDir: dir, background: true, journalSizeLimit: LIMIT });
    replies = [];
  });
  afterEach(async () => {
    await cp?.close();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("holds the writer only for a checkpoint asked while the WAL is still past after a complete one", async () => {
    const log: string[] = [];
    cp = new Checkpointer(
      file(),
      (r) => {
        replies.push(r);
        log.push(r.busy ? "busy" : "done");
      },
      () => {
        log.push("hold");
        return () => log.push("release");
      },
    );
    fill(200);
    cp.walPast(true); // an ordinary checkpoint: the writer goes on
    expect(log).toEqual([]);
    await replied(1);
    expect(log).toEqual(["done"]);
    cp.walPast(true); // still past after it (no restart seen): a catch-up, the writer held
    expect(log).toEqual(["done", "hold"]);
    await replied(2);
    expect(log).toEqual(["done", "hold", "release", "done"]);
    expect(cp.catchUps).toBe(1);
    cp.walPast(true); // the writer has not committed since: nothing asked, it gets its chance
    expect(cp.busy).toBe(false);
    fill(5); // the first commit after it restarts the WAL and cuts it back
    expect(walSize()).toBeLessThanOrEqual(LIMIT);
    cp.walPast(false);
    fill(200);
    cp.walPast(true); // past again after a restart: an ordinary checkpoint again
    await replied(3);
    expect(log).toEqual(["done", "hold", "release", "done", "done"]);
  });

  it("with a writer committing at every turn of the loop, the WAL restarts again and again", async () => {
    let held = false;
    cp = new Checkpointer(
      file(),
      (r) => replies.push(r),
      () => {
        held = true;
        return () => {
          held = false;
        };
      },
    );
    fill(600);
    let restarts = 0;
    let last = walSize();
    const until = performance.now() + 10_000;
    // the gateway's loop under a sustained load: a commit at every turn (unless held), then the
    // WAL's size after its sync; until the WAL restarted three times (10 s at most). Every
    // checkpoint, however small, then meets commits made while it ran
    while (restarts < 3 && performance.now() < until) {
      if (!held) fill(3);
      const size = walSize();
      if (size < last) restarts++;
      last = size;
      cp.walPast(size > LIMIT);
      await new Promise((r) => setImmediate(r));
    }
    expect(replies.every((r) => r.error === undefined)).toBe(true);
    expect(cp.catchUps).toBeGreaterThan(0);
    // without the hold: one restart in 10 s, the WAL growing meanwhile
    expect(restarts).toBe(3);
  });
});
