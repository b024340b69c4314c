/**
 * `quarterhour store clock-reset` (issue 6 review): a recorded time ahead of the true time (a
 * clock once set a year wrong) is otherwise kept until the wall clock passes it. The command forgets
 * it; it is refused while a gateway holds the data dir (QH_STORE_LOCKED, exit 1). Real child
 * processes, a real SQLite file in a temp dir.
 */
import { rmSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { exited, runCli, runCliAsync, startGatewayProcess, writeConfig } from "../helpers/cli.js";
import { tempDir } from "../helpers/gateway.js";

const DAY = 86_400_000;

describe("store clock-reset", { timeout: 120_000 }, () => {
  const dir = tempDir("qh-clock-reset-");
  const data = join(dir, "data");
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const config = writeConfig(dir, {
    gateway: { id: "gw-clock", site: "s" },
    dataDir: data,
    uplink: { url: "embedded", embeddedPort: 0 },
    api: { host: "127.0.0.1", port: 0 },
    deviceBroker: { host: "127.0.0.1", port: 0 },
    clock: { synchronized: "no" },
  });
  const highWater = () => {
    const db = new Database(join(data, "quarterhour.db"), { readonly: true });
    try {
      return db.prepare("SELECT high_water FROM clock_state").pluck().get() as number | undefined;
    } finally {
      db.close();
    }
  };
  const run = async () => {
    const gw = await startGatewayProcess(config);
    gw.proc.kill("SIGTERM");
    expect(await exited(gw.proc)).toBe(0);
  };

  it("forgets a recorded time ahead of the clock; refused while the data dir is held", async () => {
    await run();
    const ahead = Date.now() + 3 * DAY;
    const db = new Database(join(data, "quarterhour.db"));
    db.prepare("UPDATE clock_state SET high_water = ?").run(ahead);
    db.close();
    // a clock never trusted (synchronized: no) runs on from the recorded time: still 3 days ahead
    await run();
    expect(highWater()).toBeGreaterThanOrEqual(ahead);

    const running = await startGatewayProcess(config);
    try {
      const refused = await runCliAsync(["store", "clock-reset", "--config", config]);
      expect(refused.status).toBe(1);
      expect(refused.stderr).toMatch(/QH_STORE_LOCKED/);
    } finally {
      running.proc.kill("SIGTERM");
      await exited(running.proc);
    }
    expect(highWater()).toBeGreaterThanOrEqual(ahead);

    const r = runCli(["store", "clock-reset", "--config", config]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/recorded time \d{4}-\d\d-\d\dT.*forgotten/);
    expect(highWater()).toBeUndefined();
    // the next run records the system clock's time, not the old one
    await run();
    expect(highWater()).toBeLessThan(Date.now() + DAY);
  });
});
