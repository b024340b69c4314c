/**
 * The commit window (`store.commitWindowMs`): at low rates, device events wait a little so that
 * several share one group commit (SD-card wear: each commit costs at least one 4 KiB page-cache
 * page written and an fsync, however small; see docs/performance.md "SD-card wear").
 *
 * The rule is a minimum spacing between commits, for device events only:
 * - an event arriving `windowMs` or more after the last commit is committed at once (this loop
 *   turn, as without a window): a sporadic event waits for nothing;
 * - one arriving sooner waits until `windowMs` after the last commit, and whatever arrives
 *   meanwhile joins that commit;
 * - never held: events from the gateway's own domain (kiosk, lockers: `Ingest.emit`), a batch
 *   already `HOLD_MAX` events long, and an event from a device that is answering its own PUBACKs
 *   (its last `REACT_STREAK` events each arrived within `REACT_MS` of the ack of the one before:
 *   a device that publishes one event at a time and waits for each PUBACK would otherwise be held
 *   to one event per window). One such answer alone is not enough: an open-loop device (a timer)
 *   whose event happens to land just after a commit would otherwise defeat the window, and its
 *   events arrive in step with the window's timer (bench trickle: one event per commit, not two).
 *
 * The device's PUBACK still follows the commit that holds its event: the window delays it, never
 * weakens it. Times are on the monotonic clock (a wall-clock step changes nothing).
 */

/** A batch this long is committed at once (the rate is no longer low). */
export const HOLD_MAX = 32;
/** An event this soon after its device's previous PUBACK answers it (a LAN or Wi-Fi round trip). */
export const REACT_MS = 50;
/** Consecutive answering events that mark a device as waiting for each PUBACK: not held. */
export const REACT_STREAK = 2;

interface DeviceTiming {
  /** when its last event was answered (monotonic ms) */
  ackAt: number;
  /** its consecutive events that arrived within REACT_MS of the previous answer */
  streak: number;
}

export class CommitWindow {
  private timer: NodeJS.Timeout | undefined;
  private lastCommitAt = Number.NEGATIVE_INFINITY;
  private readonly devices = new Map<string, DeviceTiming>();

  /**
   * @param windowMs minimum spacing of commits of device events, ms (0: no window)
   * @param now monotonic milliseconds (tests may pass their own)
   */
  constructor(
    readonly windowMs: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  get enabled(): boolean {
    return this.windowMs > 0;
  }

  /**
   * A device event was just added to a batch now `size` events long, and no commit is scheduled
   * yet. Returns true when it is held (the window's timer calls `fire` when it is due; later
   * events join), false when the caller must commit this loop turn.
   */
  hold(device: string, size: number, fire: () => void): boolean {
    if (this.windowMs <= 0) return false;
    const now = this.now();
    const d = this.devices.get(device);
    if (d !== undefined) d.streak = now - d.ackAt < REACT_MS ? d.streak + 1 : 0;
    if (size >= HOLD_MAX || (d !== undefined && d.streak >= REACT_STREAK)) return false;
    const due = this.lastCommitAt + this.windowMs;
    if (now >= due) return false;
    if (this.timer === undefined) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        fire();
      }, due - now);
    }
    return true;
  }

  /** A commit starts (whatever scheduled it): the timer is no longer needed. */
  committing(): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.windowMs > 0) this.lastCommitAt = this.now();
  }

  /** The device's event was answered (its PUBACK, or a refusal). */
  acked(device: string): void {
    const d = this.devices.get(device);
    if (d === undefined) this.devices.set(device, { ackAt: this.now(), streak: 0 });
    else d.ackAt = this.now();
  }
}
