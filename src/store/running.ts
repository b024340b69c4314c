/**
 * Is a gateway running on this data dir? The gateway holds the data dir's lock (`gateway.lock`,
 * src/store/lock.ts) while it runs. Commands that replace the database (`store recover`,
 * `store new`) take that lock themselves for their whole run (see src/cli/store.ts), and check
 * here, so that they never replace a store under a live gateway.
 */
import { join } from "node:path";
import { QhError } from "../core/errors.js";
import { isLiveHolder, LOCK_FILE, lockHolder } from "./lock.js";

/** The pid of the live quarterhour process (not this one) holding `dataDir`'s lock, else undefined. */
export function runningGateway(dataDir: string): number | undefined {
  const pid = lockHolder(dataDir);
  if (pid === undefined || pid === process.pid) return undefined;
  return isLiveHolder(pid, dataDir) ? pid : undefined;
}

/** @throws QhError QH_STORE_LOCKED naming the running gateway's pid. */
export function assertNoGateway(dataDir: string): void {
  const pid = runningGateway(dataDir);
  if (pid !== undefined)
    throw new QhError(
      "QH_STORE_LOCKED",
      `a gateway (pid ${pid}, ${join(dataDir, LOCK_FILE)}) is running on ${dataDir}: the store cannot be replaced under it`,
      { pid },
    );
}
