/**
 * The distribution rounds' kiosk routes (issue 11), beside the locker's under
 * /api/v1/kiosk/{terminal}/distribution…, so a paired kiosk screen may call them (its own terminal
 * only, src/api/auth.ts). The volunteer identifies, scans labels (or types them), sees the door
 * number and the queue; residents collect at the locker's usual code entry (POST …/pickup), which
 * takes a bundle's code too. `GET /api/v1/distribution/rounds/{roundId}` is the installer's view.
 */
import type { FastifyPluginAsync } from "fastify";
import type { DistributionService } from "../domain/distribution/service.js";
import type { LockerService } from "../domain/locker/index.js";
import type { SiteMode } from "../domain/site/mode-types.js";
import type { LabelRefusals } from "../extensions/label-refusal.js";
import type { LotScanNotices } from "../extensions/lot-scan.js";

const terminalParams = {
  type: "object",
  required: ["terminal"],
  properties: { terminal: { type: "string", pattern: "^[A-Za-z0-9_-]{1,64}$" } },
} as const;

function body(required: string[], properties: Record<string, unknown>) {
  return { type: "object", additionalProperties: false, required, properties } as const;
}

type T = { Params: { terminal: string } };

export function distributionPlugin(
  dist: DistributionService,
  locker: LockerService,
  mode: SiteMode,
  /** the pack labels scanned into bundles, per terminal (bundle-lot-scan.ts): the status's `lot` */
  lots?: LotScanNotices,
  /** labels refused at this terminal's scanner during a volunteer's session: the view's `scanRefused` */
  refusals?: LabelRefusals,
): FastifyPluginAsync {
  return async (app) => {
    app.addHook("preHandler", async (req) => {
      const terminal = (req.params as { terminal?: string } | undefined)?.terminal;
      if (terminal !== undefined) locker.requireTerminal(terminal);
    });

    /** What the volunteer's screen polls: the session (or null), the queue, the open rounds, the last lot scan. */
    app.get<T>("/kiosk/:terminal/distribution", { schema: { params: terminalParams } }, async (req) => ({
      terminal: req.params.terminal,
      mode: mode.current().mode,
      session: dist.loadingSession(req.params.terminal) ?? null,
      queue: dist.queue(),
      retrieve: dist.toRetrieve(),
      rounds: dist.openRounds(),
      lot: lots?.get(req.params.terminal) ?? null,
      scanRefused: refusals?.get(req.params.terminal) ?? null,
    }));

    app.post<T & { Body: { code: string } }>(
      "/kiosk/:terminal/distribution/volunteer",
      {
        schema: {
          params: terminalParams,
          body: body(["code"], {
            code: { type: "string", minLength: 4, maxLength: 64, pattern: "^[A-Za-z0-9:_-]+$" },
          }),
        },
      },
      async (req) => {
        // the bare code, or a QR code's `qh:volunteer:CODE` (docs/emergency.md) or `qh:courier:CODE`
        const c = req.body.code.replace(/^qh:(volunteer|courier):/, "");
        return dist.startLoading(req.params.terminal, c);
      },
    );

    app.post<T & { Body: { label: string } }>(
      "/kiosk/:terminal/distribution/label",
      {
        schema: {
          params: terminalParams,
          body: body(["label"], {
            label: { type: "string", minLength: 1, maxLength: 64, pattern: "^[!-~]+$" },
          }),
        },
      },
      async (req) => dist.scanLabel(req.params.terminal, req.body.label),
    );

    // a signed-in volunteer takes a recalled bundle (or one left from a closed round) back out
    app.post<T & { Body: { bundleId: string } }>(
      "/kiosk/:terminal/distribution/retrieve",
      {
        schema: {
          params: terminalParams,
          body: body(["bundleId"], {
            bundleId: { type: "string", minLength: 1, maxLength: 64, pattern: "^[!-~]+$" },
          }),
        },
      },
      async (req) => dist.retrieve(req.params.terminal, req.body.bundleId.trim()),
    );

    app.delete<T>("/kiosk/:terminal/distribution", { schema: { params: terminalParams } }, async (req) => {
      dist.endLoading(req.params.terminal);
      return { terminal: req.params.terminal, ended: true };
    });

    app.get<{ Params: { roundId: string } }>(
      "/distribution/rounds/:roundId",
      {
        schema: {
          params: {
            type: "object",
            required: ["roundId"],
            properties: { roundId: { type: "string", minLength: 1, maxLength: 64 } },
          },
        },
      },
      async (req) => dist.round(req.params.roundId),
    );

    // installer only (not a kiosk route): household ids, never codes
    app.get<{ Params: { roundId: string } }>(
      "/distribution/rounds/:roundId/bundles",
      {
        schema: {
          params: {
            type: "object",
            required: ["roundId"],
            properties: { roundId: { type: "string", minLength: 1, maxLength: 64 } },
          },
        },
      },
      async (req) => ({ roundId: req.params.roundId, bundles: dist.bundles(req.params.roundId) }),
    );
  };
}
