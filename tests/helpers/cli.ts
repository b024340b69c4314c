import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "yaml";

export const BIN = join(import.meta.dirname, "../../bin/quarterhour.js");

export function runCli(args: string[], cwd?: string): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: "utf8", timeout: 30_000 });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
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
  return new Promise((resolve, reject) => {
    const proc = spawn(
      process.execPath,
      [BIN, "start", "--config", config, "--log-level", "info", ...extra],
      {
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    const logs: string[] = [];
    let buf = "";
    const t = setTimeout(() => reject(new Error(`gateway did not start: ${logs.join("\n")}`)), 20_000);
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
