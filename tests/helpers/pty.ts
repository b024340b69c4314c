/**
 * Pseudo-terminal pairs for tests, made by socat (Debian's /usr/bin/socat):
 *
 *   const pair = await openPtyPair();            // a, b: /dev/pts/N paths
 *   const pair = await openPtyPair({ linkA, linkB }); // a, b: stable symlinks to the ptys
 *   await pair.close();                          // kills socat by pid and waits for it
 *
 * With link paths a test can simulate an unplug: close() the pair (both ends see EIO/close), then
 * openPtyPair() again with the same links and reopen by the same paths.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, lstatSync, unlinkSync } from "node:fs";

export interface PtyPair {
  /** Path to open for end A (the link when given, else the pty device). */
  a: string;
  /** Path to open for end B. */
  b: string;
  /** The pty devices behind a and b. */
  ptyA: string;
  ptyB: string;
  /** socat's process id. */
  pid: number;
  /** Kill socat (SIGTERM, then SIGKILL after 2 s) and wait until it has exited. */
  close(): Promise<void>;
}

export interface PtyPairOptions {
  linkA?: string;
  linkB?: string;
  /** How long to wait for socat to be ready (default 5000 ms). */
  timeoutMs?: number;
  socatPath?: string;
}

function removeStaleLink(path: string | undefined): void {
  if (!path) return;
  try {
    if (lstatSync(path).isSymbolicLink()) unlinkSync(path);
  } catch {
    // not there: fine
  }
}

function waitExit(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once("exit", () => resolve()));
}

export async function openPtyPair(options: PtyPairOptions = {}): Promise<PtyPair> {
  const { linkA, linkB } = options;
  removeStaleLink(linkA);
  removeStaleLink(linkB);
  const end = (link: string | undefined): string => `pty,raw,echo=0${link ? `,link=${link}` : ""}`;
  const child = spawn(options.socatPath ?? "/usr/bin/socat", ["-d", "-d", end(linkA), end(linkB)], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error("socat did not start");

  const ptys: string[] = [];
  let stderr = "";
  const timeoutMs = options.timeoutMs ?? 5000;
  try {
    await new Promise<void>((resolve, reject) => {
      const done = (err?: Error): void => {
        clearTimeout(timer);
        child.off("error", onError);
        child.off("exit", onExit);
        child.stderr?.off("data", onData);
        if (err) reject(err);
        else resolve();
      };
      const onError = (err: Error): void => done(err);
      const onExit = (code: number | null): void => done(new Error(`socat exited (${code}): ${stderr}`));
      const onData = (text: string): void => {
        stderr += text;
        for (const m of text.matchAll(/PTY is (\S+)/g)) ptys.push(m[1]!);
        if (ptys.length >= 2 && stderr.includes("starting data transfer loop")) done();
      };
      const timer = setTimeout(
        () => done(new Error(`socat not ready after ${timeoutMs} ms: ${stderr}`)),
        timeoutMs,
      );
      child.once("error", onError);
      child.once("exit", onExit);
      child.stderr?.setEncoding("utf8");
      child.stderr?.on("data", onData);
    });
  } catch (err) {
    child.kill("SIGKILL");
    await waitExit(child);
    throw err;
  }
  // keep draining stderr so socat never blocks on a full pipe
  child.stderr?.resume();

  const [ptyA, ptyB] = ptys as [string, string];
  return {
    a: linkA ?? ptyA,
    b: linkB ?? ptyB,
    ptyA,
    ptyB,
    pid,
    async close() {
      if (child.exitCode === null && child.signalCode === null) {
        process.kill(pid, "SIGTERM");
        const killer = setTimeout(() => child.kill("SIGKILL"), 2000);
        await waitExit(child);
        clearTimeout(killer);
      }
      if (linkA && existsSync(linkA)) removeStaleLink(linkA);
      if (linkB && existsSync(linkB)) removeStaleLink(linkB);
    },
  };
}
