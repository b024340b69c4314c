/**
 * A test double of the lock hardware: it stands in for the real driver (RS-485 bus master, codec,
 * device model), which is not ours to run in a unit test of the locker domain. It implements
 * LockPort (the pulse) and plays the doors: a test opens and closes them, puts and takes parcels
 * (the presence sensor), jams doors, forces them open, and makes boards unreachable. Like the
 * driver, it reports door changes to the domain change-only. The real serial path is tested
 * separately with the protocol simulators.
 */
import type { Clock } from "../../src/core/clock.js";
import { QhError } from "../../src/core/errors.js";
import type { CompartmentRef, DoorInput, LockPort } from "../../src/domain/locker/ports.js";

interface Door {
  open: boolean;
  present: boolean;
}

export interface FakeLockPortOptions {
  /** Doors spring open on a pulse (default true). */
  autoOpen?: boolean;
  /** Which compartments have a presence sensor (default: all). */
  hasPresence?: (ref: CompartmentRef) => boolean;
}

export class FakeLockPort implements LockPort {
  /** Every pulse the boards acknowledged, in order. */
  readonly pulses: CompartmentRef[] = [];
  autoOpen: boolean;
  private listener: DoorInput | undefined;
  private readonly doors = new Map<string, Door>();
  private readonly jammed = new Set<string>();
  private readonly unreachable = new Set<string>();
  private readonly silent = new Set<string>();
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly hasPresence: (ref: CompartmentRef) => boolean;

  constructor(
    private readonly clock: Clock,
    opts: FakeLockPortOptions = {},
  ) {
    this.autoOpen = opts.autoOpen ?? true;
    this.hasPresence = opts.hasPresence ?? (() => true);
  }

  /** The domain the "driver" reports to (a new one after a restart: the doors stay as they are). */
  attach(listener: DoorInput): void {
    this.listener = listener;
  }

  async open(ref: CompartmentRef): Promise<void> {
    await Promise.resolve();
    if (this.unreachable.has(ref.device)) {
      throw new QhError("QH_SERIAL_TIMEOUT", `board of ${ref.device} did not answer`);
    }
    if (this.silent.has(ref.device)) {
      // as the real driver says it: the pulse went out, neither it nor the read after it was answered
      this.pulses.push({ ...ref });
      throw new QhError("QH_LOCKER_UNREACHABLE", `board of ${ref.device} went silent after the pulse`, {
        pulse: "unknown",
      });
    }
    this.pulses.push({ ...ref });
    const door = this.door(ref);
    if (this.jammed.has(key(ref)) || !this.autoOpen || door.open) return;
    // The spring pushes the door open a moment after the board acknowledged the pulse.
    this.later(() => this.setDoor(ref, { open: true }));
  }

  /** The driver's first poll after a (re)start: every door's current state, reported once. */
  async poll(refs: readonly CompartmentRef[]): Promise<void> {
    for (const r of refs) {
      const door = this.door(r);
      if (!this.listener) return;
      const report = {
        open: door.open,
        ts: this.clock.now(),
        ...(this.hasPresence(r) ? { present: door.present } : {}),
      };
      await this.track(this.listener.onDoor({ ...r }, report));
    }
  }

  /** Opened without a pulse (a crowbar, a key): the domain should call it forced. */
  forceOpen(ref: CompartmentRef): Promise<void> {
    return this.setDoor(ref, { open: true });
  }

  /** Open a door by hand after a pulse that did not spring it (e.g. a sticky door). */
  pullOpen(ref: CompartmentRef): Promise<void> {
    return this.setDoor(ref, { open: true });
  }

  putParcel(ref: CompartmentRef): Promise<void> {
    return this.setDoor(ref, { present: true });
  }

  takeParcel(ref: CompartmentRef): Promise<void> {
    return this.setDoor(ref, { present: false });
  }

  close(ref: CompartmentRef): Promise<void> {
    return this.setDoor(ref, { open: false });
  }

  jam(ref: CompartmentRef): void {
    this.jammed.add(key(ref));
  }

  unjam(ref: CompartmentRef): void {
    this.jammed.delete(key(ref));
  }

  /**
   * The device's board stops (or starts again) answering pulses. With `notify` (the default) the
   * driver tells the domain, as after its next failed poll; without, the domain has not heard yet.
   */
  setReachable(device: string, board: string | number, reachable: boolean, notify = true): void {
    if (reachable) this.unreachable.delete(device);
    else this.unreachable.add(device);
    if (notify) this.listener?.onReachability(device, board, reachable);
  }

  /**
   * The device's board hears pulses (counted in `pulses`) but answers nothing, not even the read
   * after them: the outcome of each pulse is unknown. `false` ends it.
   */
  setSilent(device: string, silent = true): void {
    if (silent) this.silent.add(device);
    else this.silent.delete(device);
  }

  isOpen(ref: CompartmentRef): boolean {
    return this.door(ref).open;
  }

  pulseCount(ref: CompartmentRef): number {
    return this.pulses.filter((p) => p.device === ref.device && p.compartment === ref.compartment).length;
  }

  /** Wait until every door report sent so far has been handled by the domain. */
  async settle(): Promise<void> {
    while (this.inFlight.size > 0) {
      await Promise.allSettled([...this.inFlight]);
    }
    await new Promise((r) => setImmediate(r));
    if (this.inFlight.size > 0) await this.settle();
  }

  private setDoor(ref: CompartmentRef, change: Partial<Door>): Promise<void> {
    const door = this.door(ref);
    const next: Door = { ...door, ...change };
    if (next.open === door.open && next.present === door.present) return Promise.resolve();
    this.doors.set(key(ref), next);
    if (!this.listener) return Promise.resolve();
    const report = {
      open: next.open,
      ts: this.clock.now(),
      ...(this.hasPresence(ref) ? { present: next.present } : {}),
    };
    const p = this.listener.onDoor({ ...ref }, report);
    return this.track(p);
  }

  private later(fn: () => Promise<void>): void {
    this.track(new Promise<void>((resolve) => setImmediate(resolve)).then(fn));
  }

  private track(p: Promise<void>): Promise<void> {
    this.inFlight.add(p);
    const done = () => {
      this.inFlight.delete(p);
    };
    p.then(done, done);
    return p;
  }

  private door(ref: CompartmentRef): Door {
    let d = this.doors.get(key(ref));
    if (!d) {
      d = { open: false, present: false };
      this.doors.set(key(ref), d);
    }
    return d;
  }
}

function key(ref: CompartmentRef): string {
  return `${ref.device}/${ref.compartment}`;
}
