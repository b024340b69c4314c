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
  /**
   * Called before the real fdatasync of each sync that goes through (power-cut model); what it
   * returns is handed to `afterSync` when that same sync completed without error (syncs overlap).
   */
  beforeSync?: () => number | undefined;
  /** called after each sync that completed without error, with its `beforeSync` token */
  afterSync?: (token: number | undefined) => void;

  readonly fn: SyncFn = (fd, done) => {
    this.calls++;
    if (this.holding) this.waiting.push({ fd, done, tag: this.tagger() });
    else this.run(fd, done);
  };

  private run(fd: number, done: (err: NodeJS.ErrnoException | null) => void): void {
    const token = this.beforeSync?.();
    fdatasync(fd, (err) => {
      if (!err) this.afterSync?.(token);
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

  /** Let the held sync `i` (0: the first held) run (the real fdatasync); the others stay held. */
  releaseAt(i: number): void {
    const [x] = this.waiting.splice(i, 1);
    if (!x) throw new Error(`no held sync #${i}`);
    this.run(x.fd, x.done);
  }

  /**
   * Complete the held sync `i` (0: the first held) at once, without the real fdatasync, with
   * success or an errno code: the order of completions is the test's (unit tests of the ordering).
   */
  complete(i: number, code?: string): void {
    const [x] = this.waiting.splice(i, 1);
    if (!x) throw new Error(`no held sync #${i}`);
    x.done(code ? Object.assign(new Error(`${code}: held sync failed`), { code }) : null);
  }

  /** Fail the held syncs as the kernel would (EIO: the card failed the write; ENOSPC). */
  fail(code = "EIO"): void {
    const w = this.waiting;
    this.waiting = [];
    for (const x of w) x.done(Object.assign(new Error(`${code}: input/output error (held sync)`), { code }));
  }
}
