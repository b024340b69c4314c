// `node bench/first-message.js`: how long a newcomer waits from `npm start` to the first message
// on the demo's stream. Each run spawns `npm start` (demo config, ports and data dir moved through
// QH_* variables), and a subscriber retries every 50 ms to connect to the embedded uplink port and
// subscribe to `qh/#`; the time is from the spawn to the first message (the retained status).
// Then SIGTERM to npm and a wait for it to exit.
//
//   cold: dist/ removed first (a full `tsc` build in prestart)
//   warm: dist/ up to date (the up-to-date check skips tsc)
//   direct: `node bin/quarterhour.js start` without npm (what a supervisor runs)
//
// Environment: FIRST_RUNS (5 per kind), FIRST_KINDS (cold,warm,direct). Prints each run and the medians;
// asserts nothing. Figures: docs/performance.md.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { loadavg, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import mqtt from "mqtt";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const runs = Number(process.env.FIRST_RUNS ?? 5);
const kinds = (process.env.FIRST_KINDS ?? "cold,warm,direct").split(",");

function freePort() {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function firstMessage(port) {
  return new Promise((resolve) => {
    const attempt = () => {
      const c = mqtt.connect(`mqtt://127.0.0.1:${port}`, { reconnectPeriod: 0, connectTimeout: 1000 });
      c.on("connect", () => c.subscribe("qh/#"));
      c.on("message", () => {
        c.end(true);
        resolve();
      });
      c.on("error", () => {
        c.end(true);
        setTimeout(attempt, 50);
      });
    };
    attempt();
  });
}

async function once(kind) {
  if (kind === "cold") rmSync(join(root, "dist"), { recursive: true, force: true });
  const data = mkdtempSync(join(tmpdir(), "qh-first-"));
  const [api, dev, up] = [await freePort(), await freePort(), await freePort()];
  const t0 = performance.now();
  const [cmd, args] =
    kind === "direct" ? [process.execPath, [join(root, "bin/quarterhour.js"), "start"]] : ["npm", ["start"]];
  const npm = spawn(cmd, args, {
    cwd: root,
    env: {
      ...process.env,
      QH_API_PORT: String(api),
      QH_DEVICE_BROKER_PORT: String(dev),
      QH_UPLINK_PORT: String(up),
      QH_DATA_DIR: data,
    },
    stdio: "ignore",
  });
  await firstMessage(up);
  const ms = performance.now() - t0;
  const done = new Promise((r) => npm.once("exit", r));
  npm.kill("SIGTERM");
  await done;
  rmSync(data, { recursive: true, force: true });
  await sleep(200);
  return ms;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

console.log(
  `load average at start: ${loadavg()
    .map((l) => l.toFixed(2))
    .join(" ")}`,
);
for (const kind of kinds) {
  const times = [];
  for (let i = 0; i < runs; i++) {
    const ms = await once(kind);
    times.push(ms);
    console.log(`${kind} run ${i + 1}: ${(ms / 1000).toFixed(2)} s`);
  }
  console.log(
    `${kind}: median ${(median(times) / 1000).toFixed(2)} s (min ${(Math.min(...times) / 1000).toFixed(2)}, max ${(Math.max(...times) / 1000).toFixed(2)}) over ${runs}`,
  );
}
console.log(
  `load average at end: ${loadavg()
    .map((l) => l.toFixed(2))
    .join(" ")}`,
);
