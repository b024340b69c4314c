/**
 * The locker's site key (`locker.key`) salts every stored pickup and courier code hash. A data dir
 * that lost it while the store still holds codes must not start with a fresh key (every resident's
 * code would silently turn "wrong"): it is refused with its own code and hint (exit 3), as is a key
 * that cannot be read.
 */
import { existsSync, mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import { STORE_NEEDS_PERSON } from "../../../src/core/errors.js";
import { silentLogger } from "../../../src/core/logger.js";
import { extensionsFor } from "../../../src/extensions/index.js";
import { startGateway } from "../../../src/gateway.js";
import { tempDir } from "../../helpers/gateway.js";
import { startLockerSite } from "./support.js";

it("a missing locker.key with stored codes is QH_LOCKER_KEY_MISSING (exit 3) naming it, and no new key is made", async () => {
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
  ).rejects.toMatchObject({
    code: "QH_LOCKER_KEY_MISSING",
    message: expect.stringContaining(key),
    hint: expect.stringMatching(/^Restore locker\.key from the backup/),
  });
  expect(STORE_NEEDS_PERSON.has("QH_LOCKER_KEY_MISSING")).toBe(true); // exit 3
  expect(existsSync(key)).toBe(false);
  // an unreadable key (here a directory in its place: the tests run as root, who reads any file)
  mkdirSync(key);
  await expect(
    startGateway({ config: site.config, log: silentLogger(), extensions: extensionsFor(site.config) }),
  ).rejects.toMatchObject({
    code: "QH_LOCKER_KEY_MISSING",
    message: expect.stringMatching(/cannot be read \(EISDIR\)/),
  });
  rmSync(key, { recursive: true });
  await site.close();
});
