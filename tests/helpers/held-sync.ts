import { fdatasync } from "node:fs";
import type { SyncFn } from "../../src/store/wal-sync.js";

/**
 * The gateway's WAL sync seam (GatewayOptions.walSync), held back by the test: our own seam, not a
 * mock of a third party. While `holding`, each fdatasync call waits in `waiting` until the test
 * releases it (the real fdatasync then runs) or fails it with an errno code.
 */
export class HeldSync {
  holding = false;
  calls = 0;
  waiting: Array<{ fd: number; done: (err: NodeJS.ErrnoException | null) => void; tag: number }> = [];
  /** what the test wants to know about each sync's start (e.g. the rows committed by then) */
  tagger: () => number = () => 0;
  /** called before the real fdatasync of each sync that goes through (power-cut model) */
  beforeSync?: () => void;
  /** called after each sync that completed without error */
  afterSync?: () => void;

  readonly fn: SyncFn = (fd, done) => {
    this.calls++;
    if (this.holding) this.waiting.push({ fd, done, tag: this.tagger() });
    else this.run(fd, done);
  };

  private run(fd: number, done: (err: NodeJS.ErrnoException | null) => void): void {
    this.beforeSync?.();
    fdatasync(fd, (err) => {
      if (!err) this.afterSync?.();
      done(err);
    });
  }

  /** Whether a held sync started when `tagger` said at least `n`. */
  heldAfter(n: number): boolean {
    return this.waiting.some((w) => w.tag >= n);
  }

  /** Let the held syncs run (the real fdatasync). */
  release(): void {
    const w = this.waiting;
    this.waiting = [];
    for (const x of w) this.run(x.fd, x.done);
  }

  /** Fail the held syncs as the kernel would (EIO: the card failed the write; ENOSPC). */
  fail(code = "EIO"): void {
    const w = this.waiting;
    this.waiting = [];
    for (const x of w) x.done(Object.assign(new Error(`${code}: input/output error (held sync)`), { code }));
  }
}
