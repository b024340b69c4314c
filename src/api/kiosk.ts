/**
 * The kiosk API for the locker's touch screen, under /api/v1/kiosk/{terminal}/…, and the
 * installer's compartment view under /api/v1/locker/…. Every body has a JSON Schema (codes are
 * strings with a pattern; nothing is coerced); bad input is a 400 with the schema error, domain
 * refusals carry their QH_LOCKER_… code. {terminal} must be a terminal declared in the config
 * (`locker.terminals`): any other id is 404 QH_LOCKER_TERMINAL_UNKNOWN, before anything else.
 *
 * `GET /kiosk/{t}/status` is what the kiosk page polls: the deposit session (or null: no 404 to
 * poll through), the last door notice of this terminal's pickups (a pickup code scanned at its
 * scanner shows up here, and so do the door closing and a jam), the last lot scanned into a
 * parcel at this terminal's scanner during a deposit (recorded or refused, src/extensions/lot-scan.ts)
 * a resident's pickup code scanned at its scanner and refused (`pickupRefused`: code, details and
 * HTTP status as the typed code's 4xx answer has them; src/extensions/pickup-refusal.ts),
 * the free compartments, and the cold zones a courier may ask for (`zones`; POST …/deposit/size
 * {size, zone}).
 */
import type { FastifyPluginAsync } from "fastify";
import type { LockerService } from "../domain/locker/index.js";
import type { LockerNotices } from "../domain/locker/types.js";
import { modeSummary } from "../domain/site/mode.js";
import type { SiteMode } from "../domain/site/mode-types.js";
import type { LotScanNotices } from "../extensions/lot-scan.js";
import type { PickupRefusals } from "../extensions/pickup-refusal.js";
import { httpStatusFor } from "./app.js";

/** The last pickup or retrieval door notice at a terminal; `seq` grows with every notice. */
export type CollectView = LockerNotices["collect"] & { seq: number; at: string };

const terminalParams = {
  type: "object",
  required: ["terminal"],
  properties: { terminal: { type: "string", pattern: "^[A-Za-z0-9_-]{1,64}$" } },
} as const;

const code = { type: "string", minLength: 4, maxLength: 64, pattern: "^[A-Za-z0-9:_-]+$" } as const;
const sizeEnum = { enum: ["XS", "S", "M", "L", "XL"] } as const;

function body(required: string[], properties: Record<string, unknown>) {
  return { type: "object", additionalProperties: false, required, properties } as const;
}

type T = { Params: { terminal: string } };

/**
 * `lots`: the lot scans' outcomes per terminal (the status poll's `lot`; none: always null).
 * `pickupRefusals`: the last refused scanned pickup code per terminal (the status's `pickupRefused`,
 * with the HTTP `status` the typed code's answer has; none, or older than a minute: null).
 * `siteMode`: the site's service mode, shown on every kiosk page (`siteMode` in the status, issue 11).
 * `timeZone`: the site's IANA zone (config trace.timeZone; default the gateway's), `timeZone` in
 * the status: the page writes every time in it.
 */
export function kioskPlugin(
  locker: LockerService,
  opts: {
    lots?: LotScanNotices;
    pickupRefusals?: PickupRefusals;
    siteMode?: SiteMode;
    timeZone?: string;
  } = {},
): FastifyPluginAsync {
  const { lots, pickupRefusals, siteMode } = opts;
  // the page writes times (a slot, a lockout's end) in the site's zone, not the browser's
  const timeZone = opts.timeZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
  return async (app) => {
    app.addHook("preHandler", async (req) => {
      const terminal = (req.params as { terminal?: string } | undefined)?.terminal;
      if (terminal !== undefined) locker.requireTerminal(terminal);
    });

    const collects = new Map<string, CollectView>();
    let seq = 0;
    const off = locker.on("collect", (n) => {
      if (n.terminal !== null) collects.set(n.terminal, { ...n, seq: ++seq, at: new Date().toISOString() });
    });
    app.addHook("onClose", async () => off());

    app.get<T>("/kiosk/:terminal/status", { schema: { params: terminalParams } }, async (req) => ({
      terminal: req.params.terminal,
      deposit: locker.depositSession(req.params.terminal) ?? null,
      collect: collects.get(req.params.terminal) ?? null,
      lot: lots?.get(req.params.terminal) ?? null,
      pickupRefused: refusedView(pickupRefusals, req.params.terminal),
      available: locker.availability(req.params.terminal),
      zones: locker.coldZones(),
      // per cold zone: the sizes a deposit asking for that zone may get (the size screen's counts)
      availableByZone: locker.availabilityByZone(req.params.terminal),
      siteMode: siteMode ? modeSummary(siteMode.current()) : null,
      timeZone,
    }));

    app.get<T>("/kiosk/:terminal/availability", { schema: { params: terminalParams } }, async (req) => ({
      terminal: req.params.terminal,
      available: locker.availability(req.params.terminal),
    }));

    app.get<T>("/kiosk/:terminal/deposit", { schema: { params: terminalParams } }, async (req, reply) => {
      const s = locker.depositSession(req.params.terminal);
      if (!s) {
        return reply.status(404).send({
          error: {
            code: "QH_LOCKER_SESSION",
            message: "no deposit session at this terminal",
            hint: "Start one with POST …/deposit.",
          },
        });
      }
      return s;
    });

    app.post<T & { Body: { courierCode: string } }>(
      "/kiosk/:terminal/deposit",
      { schema: { params: terminalParams, body: body(["courierCode"], { courierCode: code }) } },
      async (req) => locker.startDeposit(req.params.terminal, req.body.courierCode),
    );

    app.post<T & { Body: { barcode: string } }>(
      "/kiosk/:terminal/deposit/barcode",
      {
        schema: {
          params: terminalParams,
          body: body(["barcode"], {
            barcode: { type: "string", minLength: 1, maxLength: 128, pattern: "^[\\x21-\\x7E]+$" },
          }),
        },
      },
      async (req) => locker.scanBarcode(req.params.terminal, req.body.barcode),
    );

    // zone: at a site with cold zones, the zone the parcel needs (chilled, frozen…); a zone in
    // alarm refuses the deposit with 409 QH_COLD_ZONE_ALARM
    app.post<T & { Body: { size?: "XS" | "S" | "M" | "L" | "XL"; zone?: string } }>(
      "/kiosk/:terminal/deposit/size",
      {
        schema: {
          params: terminalParams,
          body: body([], { size: sizeEnum, zone: { type: "string", pattern: "^[A-Za-z0-9_-]{1,64}$" } }),
        },
      },
      async (req) => locker.chooseSize(req.params.terminal, req.body.size, req.body.zone),
    );

    app.post<T & { Body: { orderId: string; courierCode?: string } }>(
      "/kiosk/:terminal/deposit/reserved",
      {
        schema: {
          params: terminalParams,
          body: body(["orderId"], {
            orderId: { type: "string", minLength: 1, maxLength: 128 },
            courierCode: code,
          }),
        },
      },
      async (req) => locker.depositReserved(req.params.terminal, req.body.orderId, req.body.courierCode),
    );

    app.delete<T>("/kiosk/:terminal/deposit", { schema: { params: terminalParams } }, async (req, reply) => {
      locker.endDeposit(req.params.terminal);
      return reply.status(204).send();
    });

    app.post<T & { Body: { code: string } }>(
      "/kiosk/:terminal/pickup",
      { schema: { params: terminalParams, body: body(["code"], { code }) } },
      async (req) => locker.pickup(req.params.terminal, req.body.code),
    );

    app.post<T & { Body: { courierCode: string; parcelId?: string } }>(
      "/kiosk/:terminal/retrieve",
      {
        schema: {
          params: terminalParams,
          body: body(["courierCode"], {
            courierCode: code,
            parcelId: { type: "string", minLength: 1, maxLength: 64 },
          }),
        },
      },
      async (req) =>
        locker.retrieve(
          req.params.terminal,
          req.body.courierCode,
          req.body.parcelId ? { parcelId: req.body.parcelId } : undefined,
        ),
    );

    app.get<{ Querystring: { device?: string } }>(
      "/locker/compartments",
      {
        schema: {
          querystring: {
            type: "object",
            additionalProperties: false,
            properties: { device: { type: "string", pattern: "^[A-Za-z0-9_-]{1,64}$" } },
          },
        },
      },
      async (req) => ({ compartments: locker.compartments(req.query.device) }),
    );

    app.get<{ Params: { parcelId: string } }>(
      "/locker/parcels/:parcelId",
      {
        schema: {
          params: {
            type: "object",
            required: ["parcelId"],
            properties: { parcelId: { type: "string", minLength: 1, maxLength: 64 } },
          },
        },
      },
      async (req, reply) => {
        const p = locker.parcel(req.params.parcelId);
        if (!p) {
          return reply.status(404).send({
            error: { code: "QH_LOCKER_PARCEL_UNKNOWN", message: `no parcel ${req.params.parcelId}` },
          });
        }
        return p;
      },
    );
  };
}

/** The status's `pickupRefused`: the refusal with the HTTP status a typed code would get, or null. */
function refusedView(refusals: PickupRefusals | undefined, terminal: string) {
  const r = refusals?.get(terminal);
  return r ? { ...r, status: httpStatusFor(r.code) } : null;
}
