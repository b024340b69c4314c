import { execFileSync } from "node:child_process";
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * A real small file system for full-disk tests: a tmpfs with a size limit, mounted on a temp dir.
 * Needs root (or CAP_SYS_ADMIN); `SMALL_DISK_UNAVAILABLE` says why when the machine forbids it, and
 * the tests that need it skip with that reason.
 */
export interface SmallDisk {
  dir: string;
  /** Fill every free byte with a filler file (until ENOSPC). */
  fill(): void;
  /** Remove the filler: the space is back. */
  release(): void;
  unmount(): void;
}

function probeMount(): string | undefined {
  const dir = mkdtempSync(join(tmpdir(), "qh-mount-probe-"));
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=1m", "tmpfs", dir], { stdio: "pipe" });
    execFileSync("umount", [dir], { stdio: "pipe" });
    return undefined;
  } catch (err) {
    return `cannot mount a tmpfs here (${String((err as Error).message).split("\n")[0]})`;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Why small disks cannot be made on this machine, or undefined when they can. */
export const SMALL_DISK_UNAVAILABLE: string | undefined = probeMount();

export function mountSmallDisk(sizeMb: number): SmallDisk {
  const dir = mkdtempSync(join(tmpdir(), "qh-small-disk-"));
  execFileSync("mount", ["-t", "tmpfs", "-o", `size=${sizeMb}m`, "tmpfs", dir], { stdio: "pipe" });
  const filler = join(dir, "filler");
  let n = 0;
  return {
    dir,
    fill() {
      const fd = openSync(join(dir, `filler-${n++}`), "w");
      const block = Buffer.alloc(4096);
      try {
        for (;;) writeSync(fd, block);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "ENOSPC") throw err;
      } finally {
        closeSync(fd);
      }
    },
    release() {
      for (let i = 0; i < n; i++) rmSync(join(dir, `filler-${i}`), { force: true });
      rmSync(filler, { force: true });
    },
    unmount() {
      try {
        execFileSync("umount", [dir], { stdio: "pipe" });
      } catch {
        execFileSync("umount", ["-l", dir], { stdio: "pipe" });
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
