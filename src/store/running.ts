/**
 * Is a gateway running on this data dir? The gateway holds `gateway.lock` in its data dir while it
 * runs (an exclusive data-dir lock: the file holds its pid, as a number or JSON `{ "pid": n }`).
 * Commands that replace the database (`store recover`, `store new`) refuse while that pid lives.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { QhError } from "../core/errors.js";

export const LOCK_FILE = "gateway.lock";

/** The pid recorded in `dataDir/gateway.lock` when that process is alive, else undefined. */
export function runningGateway(dataDir: string): number | undefined {
  let text: string;
  try {
    text = readFileSync(join(dataDir, LOCK_FILE), "utf8");
  } catch {
    return undefined;
  }
  let pid: number | undefined;
  try {
    const j = JSON.parse(text) as unknown;
    pid = typeof j === "number" ? j : Number((j as { pid?: unknown })?.pid);
  } catch {
    pid = Number(/\d+/.exec(text)?.[0]);
  }
  if (!pid || !Number.isInteger(pid) || pid <= 0 || pid === process.pid) return undefined;
  try {
    process.kill(pid, 0);
    return pid;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM" ? pid : undefined;
  }
}

/** @throws QhError QH_STORE_IN_USE naming the running gateway's pid. */
export function assertNoGateway(dataDir: string): void {
  const pid = runningGateway(dataDir);
  if (pid !== undefined)
    throw new QhError(
      "QH_STORE_IN_USE",
      `a gateway (pid ${pid}, ${join(dataDir, LOCK_FILE)}) is running on ${dataDir}: the store cannot be replaced under it`,
      { pid },
    );
}
