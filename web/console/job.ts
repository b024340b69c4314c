/**
 * Following a long operation (a bus scan, a door test): the job's SSE stream
 * GET /api/v1/jobs/{job}/events (`progress` { done, total }, `result` one result, `done`), then
 * GET /api/v1/jobs/{job} on each event (the record is the truth). If the stream fails before `done` (a proxy that
 * buffers, a dropped connection), the hook polls the job once a second instead: nothing is lost,
 * the job's own record is the truth.
 */
import { useEffect, useState } from "preact/hooks";
import { api } from "./api";

export interface Job<R> {
  id: string;
  kind?: string;
  state: "running" | "done" | "failed" | "cancelled";
  progress: { done: number; total: number };
  results: R[];
  error?: { code?: string; message?: string; hint?: string };
}

/** The job `id`'s state, live; undefined until the first answer. */
export function useJob<R>(id: string | undefined): { job?: Job<R>; error?: unknown } {
  const [job, setJob] = useState<Job<R> | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  useEffect(() => {
    if (!id) return;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const path = `/jobs/${encodeURIComponent(id)}`;
    const fetchJob = async (): Promise<Job<R> | undefined> => {
      try {
        const j = await api<Job<R>>("GET", path);
        if (!stopped) setJob(j);
        return j;
      } catch (err) {
        if (!stopped) setError(err);
        return undefined;
      }
    };
    const poll = async () => {
      const j = await fetchJob();
      if (!stopped && (!j || j.state === "running")) timer = setTimeout(poll, 1000);
    };
    // Each event is a cue to read the job's record (results are never assembled from the
    // stream, so a missed or repeated event cannot drop or double a result). Reads coalesce.
    let inFlight = false;
    let again = false;
    const refresh = async () => {
      if (inFlight) {
        again = true;
        return;
      }
      inFlight = true;
      do {
        again = false;
        await fetchJob();
      } while (again && !stopped);
      inFlight = false;
    };
    setJob(undefined);
    setError(undefined);
    void refresh();
    const es = new EventSource(`/api/v1${path}/events`);
    es.addEventListener("progress", () => void refresh());
    es.addEventListener("result", () => void refresh());
    es.addEventListener("done", () => {
      es.close();
      void refresh();
    });
    es.onerror = () => {
      // the stream failed before `done`: poll the record until the job ends
      es.close();
      if (!stopped) void poll();
    };
    return () => {
      stopped = true;
      es.close();
      if (timer) clearTimeout(timer);
    };
  }, [id]);
  return { job, error };
}
