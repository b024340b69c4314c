/**
 * The door test and its commissioning reports over HTTP (installer scope).
 *
 *   POST /locker/{bank}/door-test { locks?, openTimeoutS?, closeTimeoutS? } ─► 202 { job, report }
 *   GET  /reports                 ─► { reports: [{ id, kind, bank, state, startedAt, endedAt?, summary }] }
 *   GET  /reports/{id}            ─► the report (JSON; Content-Disposition: attachment with ?download=1)
 *   GET  /reports/{id}.html       ─► a printable page: self-contained, no scripts, escaped
 */
import type { FastifyPluginAsync } from "fastify";
import { type DoorTestDeps, startDoorTest } from "../../domain/commissioning/door-test.js";
import { reportHtml } from "../../domain/commissioning/report-html.js";

const REPORT_ID = "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$";

export function doorTestPlugin(d: DoorTestDeps): FastifyPluginAsync {
  return async (app) => {
    app.post<{
      Params: { bank: string };
      Body: { locks?: number[]; openTimeoutS?: number; closeTimeoutS?: number } | undefined;
    }>(
      "/locker/:bank/door-test",
      {
        schema: {
          params: {
            type: "object",
            required: ["bank"],
            properties: {
              bank: { type: "string", minLength: 1, maxLength: 64, pattern: "^[A-Za-z0-9_-]+$" },
            },
          },
          body: {
            type: "object",
            additionalProperties: false,
            properties: {
              locks: {
                type: "array",
                minItems: 1,
                maxItems: 512,
                items: { type: "integer", minimum: 1, maximum: 512 },
              },
              openTimeoutS: { type: "integer", minimum: 1, maximum: 60 },
              closeTimeoutS: { type: "integer", minimum: 1, maximum: 600 },
            },
          },
        },
      },
      async (req, reply) => {
        const view = startDoorTest(d, req.params.bank, req.body ?? {});
        return reply
          .status(202)
          .send({ job: view.id, report: view.report, bank: view.bank, total: view.progress.total });
      },
    );

    app.get("/reports", async () => ({ reports: d.reports.list() }));

    // one route for both forms: "/reports/{id}" and "/reports/{id}.html"
    app.get<{ Params: { file: string }; Querystring: { download?: string } }>(
      "/reports/:file",
      {
        schema: {
          params: {
            type: "object",
            required: ["file"],
            properties: { file: { type: "string", pattern: REPORT_ID.replace("$", "(\\.html|\\.json)?$") } },
          },
          querystring: {
            type: "object",
            additionalProperties: false,
            properties: { download: { enum: ["1"] } },
          },
        },
      },
      async (req, reply) => {
        const html = req.params.file.endsWith(".html");
        const id = req.params.file.replace(/\.(html|json)$/, "");
        const report = d.reports.get(id);
        if (req.query.download === "1") {
          reply.header(
            "content-disposition",
            `attachment; filename="door-test-${report.bank}-${id}.${html ? "html" : "json"}"`,
          );
        }
        if (!html) return report;
        return reply
          .header("content-type", "text/html; charset=utf-8")
          .header("content-security-policy", "default-src 'none'; style-src 'unsafe-inline'")
          .header("x-content-type-options", "nosniff")
          .send(reportHtml(report));
      },
    );
  };
}
