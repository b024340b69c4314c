/**
 * Long operations over HTTP (installer scope): the bus scan and the jobs it runs as.
 *
 *   POST   /buses/{bus}/scan   { from?, to? }  ─► 202 { job, bus, total }   (409 QH_JOB_BUSY)
 *   GET    /jobs                               ─► { jobs: JobView[] } (newest first)
 *   GET    /jobs/{job}                         ─► JobView
 *   DELETE /jobs/{job}                         ─► JobView (cancelled, or as it ended)
 *   GET    /jobs/{job}/events                  ─► SSE: progress, result, done (then the stream ends)
 */
import type { FastifyPluginAsync } from "fastify";
import type { Jobs, JobView } from "../../domain/commissioning/jobs.js";
import { startScan } from "../../domain/commissioning/scan.js";
import type { CommissioningSite } from "../../domain/commissioning/site.js";
import { openSse, type SseOptions } from "./sse.js";

const idParam = (name: string) =>
  ({
    type: "object",
    required: [name],
    properties: { [name]: { type: "string", minLength: 1, maxLength: 64, pattern: "^[A-Za-z0-9_.-]+$" } },
  }) as const;

/** How long DELETE waits for the step under way to finish before it answers (ms). */
const CANCEL_WAIT_MS = 2000;

export function jobsPlugin(o: { jobs: Jobs; site: CommissioningSite; sse?: SseOptions }): FastifyPluginAsync {
  const { jobs, site } = o;
  return async (app) => {
    app.post<{ Params: { bus: string }; Body: { from?: number; to?: number } | undefined }>(
      "/buses/:bus/scan",
      {
        schema: {
          params: idParam("bus"),
          body: {
            type: "object",
            additionalProperties: false,
            properties: {
              from: { type: "integer", minimum: 0, maximum: 255 },
              to: { type: "integer", minimum: 0, maximum: 255 },
            },
          },
        },
      },
      async (req, reply) => {
        const view = startScan(jobs, site, req.params.bus, req.body ?? {});
        return reply.status(202).send({ job: view.id, bus: view.bus, total: view.progress.total });
      },
    );

    app.get("/jobs", async () => ({ jobs: jobs.list() }));

    app.get<{ Params: { job: string } }>("/jobs/:job", { schema: { params: idParam("job") } }, async (req) =>
      jobs.get(req.params.job),
    );

    app.delete<{ Params: { job: string } }>(
      "/jobs/:job",
      { schema: { params: idParam("job") } },
      async (req) => {
        const { view, finished } = jobs.cancel(req.params.job);
        let t: NodeJS.Timeout | undefined;
        await Promise.race([finished, new Promise<void>((r) => (t = setTimeout(r, CANCEL_WAIT_MS)))]);
        clearTimeout(t);
        return view;
      },
    );

    app.get<{ Params: { job: string } }>(
      "/jobs/:job/events",
      { schema: { params: idParam("job") } },
      async (req, reply) => {
        const view = jobs.get(req.params.job); // 404 before the stream opens
        const sse = openSse(req, reply, o.sse);
        // what happened so far, then what comes
        sse.send("progress", view.progress);
        for (const r of view.results) sse.send("result", r);
        if (view.state !== "running") {
          sse.send("done", summary(view));
          sse.end();
          return;
        }
        const offs = [
          jobs.on(view.id, "result", (r) => sse.send("result", r)),
          jobs.on(view.id, "progress", (p) => sse.send("progress", p)),
          jobs.on(view.id, "done", (v) => {
            sse.send("done", summary(v));
            sse.end();
          }),
        ];
        sse.onClose(() => {
          for (const off of offs) off();
        });
      },
    );
  };
}

/** The `done` event: the view without the results (they came one by one). */
function summary(v: JobView): Omit<JobView, "results"> & { results: number } {
  const { results, ...rest } = v;
  return { ...rest, results: results.length };
}
