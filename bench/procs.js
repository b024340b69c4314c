// Processes for the bench: start them, stop them by pid, read their /proc statistics, and clean up
// (children and temp dirs) on exit, on error and on SIGINT/SIGTERM.
import { fork, spawn } from "node:child_process";
import { mkdtempSync, openSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { connect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

const children = new Set();
const tmpDirs = new Set();

export function tmpDir(prefix) {
  const dir = mkdtempSync(join(tmpdir(), `qh-bench-${prefix}-`));
  tmpDirs.add(dir);
  return dir;
}

export function removeTmpDir(dir) {
  rmSync(dir, { recursive: true, force: true });
  tmpDirs.delete(dir);
}

function track(child, name) {
  child.benchName = name;
  children.add(child);
  child.once("exit", () => children.delete(child));
  return child;
}

/** A process whose stdout and stderr go to `logFile`. */
export function start(name, cmd, args, { logFile, cwd, env } = {}) {
  const fd = openSync(logFile, "a");
  const child = spawn(cmd, args, { cwd, env: { ...process.env, ...env }, stdio: ["ignore", fd, fd] });
  child.logFile = logFile;
  return track(child, name);
}

/** A bench worker (load.js, consumer.js) with an IPC channel; see request(). */
export function worker(name, file) {
  const child = fork(file, [], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
  child.on("message", (m) => {
    if (m?.cmd === "error") process.stderr.write(`${name}: ${m.message}\n`);
  });
  return track(child, name);
}

/** Wait for a message `{cmd}` from a worker (rejects on its `error` message, its exit or a timeout). */
export function waitMessage(child, cmd, timeoutMs = 600_000) {
  return new Promise((resolve, reject) => {
    const done = (f, v) => {
      clearTimeout(timer);
      child.off("message", onMsg);
      child.off("exit", onExit);
      f(v);
    };
    const onMsg = (m) => {
      if (m?.cmd === cmd) done(resolve, m);
      else if (m?.cmd === "error") done(reject, new Error(`${child.benchName}: ${m.message}`));
    };
    const onExit = (code) => done(reject, new Error(`${child.benchName} exited (${code}) before ${cmd}`));
    const timer = setTimeout(
      () => done(reject, new Error(`${child.benchName}: no ${cmd} in ${timeoutMs} ms`)),
      timeoutMs,
    );
    child.on("message", onMsg);
    child.once("exit", onExit);
  });
}

/** Send `msg` to a worker and wait for its reply `{cmd: reply}`. */
export function request(child, msg, reply, timeoutMs) {
  const p = waitMessage(child, reply, timeoutMs);
  child.send(msg);
  return p;
}

/** Stop a child by pid: `signal`, then SIGKILL after `graceMs`. Resolves when it has exited. */
export function stop(child, signal = "SIGTERM", graceMs = 5000) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => kill(child.pid, "SIGKILL"), graceMs);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    kill(child.pid, signal);
  });
}

export function kill(pid, signal) {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

/** Last exit path: SIGKILL every child still running, remove the temp dirs. Synchronous. */
export function cleanupSync() {
  for (const c of children) kill(c.pid, "SIGKILL");
  children.clear();
  for (const d of tmpDirs) rmSync(d, { recursive: true, force: true });
  tmpDirs.clear();
}

export function installCleanup() {
  process.on("exit", cleanupSync);
  for (const sig of ["SIGINT", "SIGTERM"]) {
    process.on(sig, () => {
      process.stderr.write(`\n${sig}: stopping the bench\n`);
      cleanupSync();
      process.exit(130);
    });
  }
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Wait until something accepts TCP connections on `port` (the child must stay alive). */
export async function waitForPort(port, child, timeoutMs = 20_000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(
        `${child.benchName} exited before listening on ${port}; log: ${child.logFile}\n${tail(child.logFile)}`,
      );
    }
    const ok = await new Promise((resolve) => {
      const sock = connect(port, "127.0.0.1");
      sock.once("connect", () => {
        sock.destroy();
        resolve(true);
      });
      sock.once("error", () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > until)
      throw new Error(`${child.benchName}: nothing listening on ${port} after ${timeoutMs} ms`);
    await sleep(50);
  }
}

export function tail(file, lines = 20) {
  try {
    return readFileSync(file, "utf8").split("\n").slice(-lines).join("\n");
  } catch {
    return "";
  }
}

// ---- /proc ----------------------------------------------------------------------------------

function procField(pid, file, key) {
  const m = readFileSync(`/proc/${pid}/${file}`, "utf8").match(new RegExp(`^${key}:\\s+(\\d+)`, "m"));
  return m ? Number(m[1]) : Number.NaN;
}

/** Peak resident set (VmHWM), bytes. */
export const peakRss = (pid) => procField(pid, "status", "VmHWM") * 1024;
export const rss = (pid) => procField(pid, "status", "VmRSS") * 1024;
/** Bytes the process caused to be sent to the storage layer. */
export const writeBytes = (pid) => procField(pid, "io", "write_bytes");
/** User + system CPU time, seconds (fields 14 and 15 of /proc/pid/stat, in clock ticks of 1/100 s). */
export function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(f[11]) + Number(f[12])) / 100;
}

/** CPU seconds (user + system) of each thread of `pid`, summed by thread name (`comm`). */
export function threadCpuSeconds(pid) {
  const out = {};
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const comm = readFileSync(`/proc/${pid}/task/${tid}/comm`, "utf8").trim();
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8");
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      const name = Number(tid) === Number(pid) ? "main" : `${comm}#${tid}`;
      out[name] = (out[name] ?? 0) + (Number(f[11]) + Number(f[12])) / 100;
    } catch {
      // the thread ended meanwhile
    }
  }
  return out;
}

/** Samples VmRSS every `ms`; `peak()` returns the highest seen since the last `reset()`. */
export function rssSampler(pid, ms = 100) {
  let max = 0;
  const sample = () => {
    try {
      max = Math.max(max, rss(pid));
    } catch {
      // process gone
    }
  };
  sample();
  const timer = setInterval(sample, ms);
  return {
    peak: () => {
      sample();
      return max;
    },
    reset: () => {
      max = 0;
      sample();
    },
    stop: () => clearInterval(timer),
  };
}

/** Main thread's time on a CPU and time waiting for one (runqueue), seconds: /proc/pid/schedstat. */
export function schedSeconds(pid) {
  const [onCpu, waiting] = readFileSync(`/proc/${pid}/schedstat`, "utf8").split(" ").map(Number);
  return { onCpu: onCpu / 1e9, waiting: waiting / 1e9 };
}

/**
 * CPU and disk writes of a process over an interval: `const m = meter(pid); … m.read()`.
 * `runWaitS`: time its main thread was runnable but waiting for a CPU (a busy machine).
 */
export function meter(pid) {
  const cpu0 = cpuSeconds(pid);
  const wb0 = writeBytes(pid);
  const s0 = schedSeconds(pid);
  return {
    read: () => ({
      cpuS: cpuSeconds(pid) - cpu0,
      writeBytes: writeBytes(pid) - wb0,
      mainOnCpuS: schedSeconds(pid).onCpu - s0.onCpu,
      runWaitS: schedSeconds(pid).waiting - s0.waiting,
    }),
  };
}
