/**
 * Long operations with progress (a bus scan, a door test): one at a time per bus, cancellable,
 * their results kept in memory for the console and the CLI to read, pushed to listeners as they
 * come (the SSE route `GET /api/v1/jobs/{job}/events`, src/api/ops/jobs.ts).
 *
 *   start(kind, bus, total, run) ─► QH_JOB_BUSY when that bus runs a job ─► run(handle) in the
 *        background ─► handle.result(r) / handle.progress(n) ─► "progress" | "result" | "done"
 *   cancel(id) ─► handle.signal aborts ─► the run stops at its next step ─► state "cancelled"
 *
 * Jobs are not stored: a restart forgets them (a door test's report is stored by the door test).
 * Finished jobs are kept until `keep` newer ones have finished.
 */
import { randomUUID } from "node:crypto";
import { isQhError, QhError } from "../../core/errors.js";
import { type Listener, TypedBus } from "../../core/event-bus.js";

export type JobState = "running" | "done" | "failed" | "cancelled";
export type JobKind = "scan" | "door-test";

/** What `GET /api/v1/jobs/{job}` answers. Times are ISO 8601 (wall clock, for people). */
export interface JobView {
  id: string;
  kind: JobKind;
  bus: string;
  /** the locker bank of a door test */
  bank?: string;
  /** the commissioning report a door test writes */
  report?: string;
  state: JobState;
  progress: { done: number; total: number };
  results: unknown[];
  startedAt: string;
  endedAt?: string;
  /** why it failed (a coded error), when state is "failed" */
  error?: { code: string; message: string };
}

export type JobEvents = {
  progress: { done: number; total: number };
  result: unknown;
  done: JobView;
};

/** What a running job's code gets. */
export interface JobHandle {
  readonly id: string;
  /** aborted by cancel() (and by stop()): stop at the next step, leave nothing half-moved */
  readonly signal: AbortSignal;
  /** one more result (a probed address, a tested door): counts one step of progress */
  result(r: unknown): void;
  /** set the progress without a result (e.g. a skipped step); `total` may change once known */
  progress(done: number, total?: number): void;
}

interface Job {
  view: JobView;
  bus: TypedBus<JobEvents>;
  abort: AbortController;
  finished: Promise<void>;
}

export interface JobsOptions {
  /** wall-clock ms for the views' times (ctx.clock.now) */
  now: () => number;
  /** finished jobs kept for reading (default 50) */
  keep?: number;
  /** a run that threw something without a code (a bug): logged here */
  onError?: (err: unknown, job: JobView) => void;
}

export class Jobs {
  private readonly jobs = new Map<string, Job>();
  private readonly running = new Map<string, string>();
  private readonly finishedOrder: string[] = [];

  constructor(private readonly o: JobsOptions) {}

  /**
   * Starts a job on `bus` in the background.
   * @param extra fields of the view (bank, report)
   * @throws QhError QH_JOB_BUSY (409) when a job runs on that bus; `details.job` names it
   */
  start(
    kind: JobKind,
    bus: string,
    total: number,
    run: (h: JobHandle) => Promise<void>,
    extra: Pick<JobView, "bank" | "report"> = {},
  ): JobView {
    const busy = this.running.get(bus);
    if (busy !== undefined) {
      const other = this.jobs.get(busy)!.view;
      throw new QhError(
        "QH_JOB_BUSY",
        `bus ${bus} runs a ${other.kind} (job ${busy}): one long operation per bus at a time`,
        { bus, job: busy, kind: other.kind },
      );
    }
    const id = randomUUID();
    const view: JobView = {
      id,
      kind,
      bus,
      ...extra,
      state: "running",
      progress: { done: 0, total },
      results: [],
      startedAt: new Date(this.o.now()).toISOString(),
    };
    const events = new TypedBus<JobEvents>();
    const abort = new AbortController();
    const handle: JobHandle = {
      id,
      signal: abort.signal,
      result: (r) => {
        view.results.push(r);
        view.progress = {
          done: view.progress.done + 1,
          total: Math.max(view.progress.total, view.progress.done + 1),
        };
        events.emit("result", r);
        events.emit("progress", { ...view.progress });
      },
      progress: (done, t) => {
        view.progress = { done, total: t ?? view.progress.total };
        events.emit("progress", { ...view.progress });
      },
    };
    this.running.set(bus, id);
    const job: Job = { view, bus: events, abort, finished: Promise.resolve() };
    this.jobs.set(id, job);
    job.finished = (async () => {
      try {
        await run(handle);
        view.state = abort.signal.aborted ? "cancelled" : "done";
      } catch (err) {
        if (abort.signal.aborted) view.state = "cancelled";
        else {
          view.state = "failed";
          const e = isQhError(err) ? err : new QhError("QH_INTERNAL", (err as Error)?.message ?? String(err));
          view.error = { code: e.code, message: e.message };
          if (!isQhError(err)) this.o.onError?.(err, view);
        }
      } finally {
        view.endedAt = new Date(this.o.now()).toISOString();
        this.running.delete(bus);
        this.finishedOrder.push(id);
        while (this.finishedOrder.length > (this.o.keep ?? 50)) this.jobs.delete(this.finishedOrder.shift()!);
        events.emit("done", view);
      }
    })();
    return view;
  }

  /** @throws QhError QH_JOB_UNKNOWN (404) */
  get(id: string): JobView {
    const j = this.jobs.get(id);
    if (!j) throw unknownJob(id);
    return j.view;
  }

  /** Every job kept, newest first. */
  list(): JobView[] {
    return [...this.jobs.values()].map((j) => j.view).reverse();
  }

  /** The job running on `bus`, if any. */
  runningOn(bus: string): JobView | undefined {
    const id = this.running.get(bus);
    return id === undefined ? undefined : this.jobs.get(id)?.view;
  }

  /**
   * Asks a running job to stop (it finishes the step under way: a pulsed door is still watched
   * until it is known to be shut or not); a finished job is left as it is.
   * @returns the view; resolves `finished` when the job has ended
   * @throws QhError QH_JOB_UNKNOWN
   */
  cancel(id: string): { view: JobView; finished: Promise<void> } {
    const j = this.jobs.get(id);
    if (!j) throw unknownJob(id);
    if (j.view.state === "running") j.abort.abort();
    return { view: j.view, finished: j.finished };
  }

  /**
   * Listen to a job's progress, results and end. A finished job calls nothing: read its view.
   * @returns unsubscribe
   */
  on<K extends keyof JobEvents>(id: string, event: K, listener: Listener<JobEvents[K]>): () => void {
    const j = this.jobs.get(id);
    if (!j) throw unknownJob(id);
    return j.bus.on(event, listener);
  }

  /** Cancels every running job and waits for them (the gateway stops). */
  async stop(): Promise<void> {
    const all = [...this.jobs.values()].filter((j) => j.view.state === "running");
    for (const j of all) j.abort.abort();
    await Promise.all(all.map((j) => j.finished));
  }
}

function unknownJob(id: string): QhError {
  return new QhError("QH_JOB_UNKNOWN", `no job ${id} (jobs are kept in memory until the gateway restarts)`, {
    job: id,
  });
}

/** Resolves after `ms`, or at once when `signal` aborts (then the caller checks signal.aborted). */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(t);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const t = setTimeout(done, ms);
    signal.addEventListener("abort", done);
  });
}
