// Mosquitto for the bench: B, the upstream broker (no persistence), and A, a device-side broker
// bridged to B at QoS 1 with persistence on (the store-and-forward an operator would otherwise run).
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { start, waitForPort } from "./procs.js";

export const MOSQUITTO = process.env.MOSQUITTO ?? "/usr/sbin/mosquitto";

export function mosquittoVersion() {
  try {
    return execFileSync(MOSQUITTO, ["-h"], { encoding: "utf8" }).split("\n")[0].trim();
  } catch (err) {
    // `mosquitto -h` prints its help and exits 3
    return (
      String(err.stdout ?? "")
        .split("\n")[0]
        .trim() || "unknown"
    );
  }
}

// Generous limits on both brokers, so that nothing is dropped: a QoS 1 message past
// max_queued_messages is silently discarded (default 1000 per client).
const COMMON = [
  "allow_anonymous true",
  "max_inflight_messages 100",
  "max_queued_messages 10000000",
  "log_type error",
  "log_type warning",
  "log_dest stderr",
  ...(process.getuid?.() === 0 ? ["user root"] : []), // else it drops to `mosquitto`, who cannot write our temp dir
];

/** The upstream broker B: in memory only. */
export function upstreamConf(port) {
  return [`listener ${port} 127.0.0.1`, "persistence false", ...COMMON].join("\n");
}

/** Broker A: persistence on (periodic autosave, default interval), bridged at QoS 1 to B. */
export function bridgeConf(port, persistenceDir, remotePort) {
  return [
    `listener ${port} 127.0.0.1`,
    "persistence true",
    `persistence_location ${persistenceDir}/`,
    ...COMMON,
    "connection bench-bridge",
    `address 127.0.0.1:${remotePort}`,
    "topic # out 1",
    "cleansession false",
    "notifications true",
    "bridge_protocol_version mqttv311",
  ].join("\n");
}

/** Start Mosquitto with `conf` (written to `dir/name.conf`); resolves once it listens on `port`. */
export async function startMosquitto(name, conf, dir, port) {
  const file = join(dir, `${name}.conf`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(file, `${conf}\n`);
  const child = start(name, MOSQUITTO, ["-c", file], { logFile: join(dir, `${name}.log`) });
  await waitForPort(port, child);
  return child;
}
