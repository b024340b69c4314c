import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "yaml";

export const BIN = join(import.meta.dirname, "../../bin/quarterhour.js");

export interface CliResult {
  status: number;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], cwd?: string, env?: NodeJS.ProcessEnv): CliResult {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd,
    encoding: "utf8",
    timeout: 30_000,
    env: env ? { ...process.env, ...env } : undefined,
  });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/**
 * Like runCli, without blocking the test's event loop (the test may be serving a broker or
 * watching a stream meanwhile). `env` is added to the test's environment.
 */
export function runCliAsync(
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [BIN, ...args], {
      cwd: opts.cwd,
      env: { ...process.env, ...opts.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    const t = setTimeout(() => proc.kill("SIGKILL"), opts.timeoutMs ?? 30_000);
    proc.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
    });
    proc.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    proc.once("error", reject);
    proc.once("close", (code) => {
      clearTimeout(t);
      resolve({ status: code ?? -1, stdout, stderr });
    });
  });
}

export function writeConfig(dir: string, cfg: Record<string, unknown>): string {
  const file = join(dir, "site.yaml");
  writeFileSync(file, stringify(cfg));
  return file;
}

/** Start the gateway as a child process; resolves when it logs "gateway started". */
export function startGatewayProcess(
  config: string,
  extra: string[] = [],
): Promise<{ proc: ChildProcess; logs: string[] }> {
  return startProcess(process.execPath, [BIN, "start", "--config", config, "--log-level", "info", ...extra]);
}

/**
 * Start any command that runs the gateway (`node bin/quarterhour.js start …`, `npm start -- …`);
 * resolves when its JSON log says "gateway started". `env` is added to the test's environment.
 */
export function startProcess(
  command: string,
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<{ proc: ChildProcess; logs: string[] }> {
  return new Promise((resolve, reject) => {
    const proc = spawn(command, args, {
      cwd: opts.cwd,
      env: { ...process.env, ...opts.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const logs: string[] = [];
    let buf = "";
    const t = setTimeout(
      () => reject(new Error(`gateway did not start: ${logs.join("\n")}`)),
      opts.timeoutMs ?? 20_000,
    );
    proc.stdout!.on("data", (d: Buffer) => {
      buf += d.toString();
      let i = buf.indexOf("\n");
      while (i >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        logs.push(line);
        if (line.includes('"gateway started"')) {
          clearTimeout(t);
          resolve({ proc, logs });
        }
        i = buf.indexOf("\n");
      }
    });
    proc.stderr!.on("data", (d: Buffer) => logs.push(d.toString()));
    proc.once("exit", (code) => {
      clearTimeout(t);
      reject(new Error(`gateway exited with ${code}: ${logs.join("\n")}`));
    });
  });
}

export function exited(proc: ChildProcess): Promise<number | null> {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve(proc.exitCode);
  return new Promise((r) => proc.once("exit", (code) => r(code)));
}
