/**
 * The locker's site key (`locker.key`) salts every stored pickup and courier code hash. A data dir
 * that lost it while the store still holds codes must not start with a fresh key (every resident's
 * code would silently turn "wrong"): it is refused as a missing part of the store (exit 3).
 */
import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import { silentLogger } from "../../../src/core/logger.js";
import { extensionsFor } from "../../../src/extensions/index.js";
import { startGateway } from "../../../src/gateway.js";
import { tempDir } from "../../helpers/gateway.js";
import { startLockerSite } from "./support.js";

it("a missing locker.key with stored codes is QH_STORE_MISSING naming it, and no new key is made", async () => {
  const dataDir = join(tempDir("qh-site-key-"), "data");
  const site = await startLockerSite({ dataDir });
  try {
    await site.depositParcel("KEY-1");
  } finally {
    await site.gw.stop();
  }
  const key = join(dataDir, "locker.key");
  expect(existsSync(key)).toBe(true);
  rmSync(key);
  await expect(
    startGateway({ config: site.config, log: silentLogger(), extensions: extensionsFor(site.config) }),
  ).rejects.toMatchObject({ code: "QH_STORE_MISSING", message: expect.stringContaining(key) });
  expect(existsSync(key)).toBe(false);
  await site.close();
});
