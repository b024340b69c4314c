/**
 * Asking the OS whether the clock is synchronised: systemd-timesyncd's marker file (a real file in
 * a temp dir stands in for /run/systemd/timesync/synchronized), else `timedatectl`, which on this
 * machine (no systemd as PID 1, as in CI) cannot answer: "the OS cannot tell".
 */
import { spawnSync } from "node:child_process";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { probeOsTimeSync } from "../../../src/core/time-sync.js";
import { tempDir } from "../../helpers/gateway.js";

describe("probeOsTimeSync", () => {
  it("says synchronised when timesyncd's marker file exists", async () => {
    const dir = tempDir();
    const marker = join(dir, "synchronized");
    writeFileSync(marker, "");
    try {
      expect(await probeOsTimeSync(marker)).toEqual({ synced: true, via: "timesyncd" });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("falls back to timedatectl, and to 'cannot tell' where it cannot answer", async () => {
    const r = await probeOsTimeSync("/nonexistent/quarterhour/synchronized");
    const td = spawnSync("timedatectl", ["show", "-p", "NTPSynchronized", "--value"], { encoding: "utf8" });
    const v = (td.stdout ?? "").trim();
    if (td.status === 0 && (v === "yes" || v === "no")) {
      expect(r).toEqual({ synced: v === "yes", via: "timedatectl" });
    } else {
      expect(r).toEqual({ synced: undefined, via: "none" });
    }
  });
});
