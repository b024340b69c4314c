/**
 * The live view: `GET /api/v1/live[?errors=1]`, Server-Sent Events (installer scope).
 *
 *   event: event   { seq, device, type, ts, data }          business events as they are committed
 *   event: device  { device, online? , state? }              state documents, MQTT presence
 *   event: bus     { bus, connected, targets[] }             each line at connect, then on changes
 *   event: cold    { device, zones: { … } }                  cold-zone readings (the zones' telemetry)
 *   event: outbox  { pending, lastSeq }                      at connect, then at most once a second on change
 *   event: gap     { dropped }                               items this client missed (it read too slowly)
 *   event: end     { reason: "closing" }                     the gateway closes the stream on purpose (restart, stop)
 *   : heartbeat                                              every 15 s
 *
 * `errors=1` keeps error-level items only: events whose type names a jam, fault, failure, alarm
 * (isErrorEventType), devices going offline, lines down or with an unreachable target, cold zones
 * in alarm or without a good reading; no outbox figures.
 */
import type { FastifyPluginAsync } from "fastify";
import type { Registry } from "prom-client";
import { counter } from "../../core/metrics.js";
import { isErrorEventType, type LiveHub } from "../../domain/commissioning/live.js";
import type { CommissioningSite, LineHealth } from "../../domain/commissioning/site.js";
import { openSse, type SseOptions } from "./sse.js";

export interface LiveOptions {
  hub: LiveHub;
  site: CommissioningSite;
  outbox: () => { pending: number; lastSeq: number };
  registry: Registry;
  sse?: SseOptions;
  /** outbox figure period, ms (default 1000: at most one a second) */
  outboxEveryMs?: number;
}

const lineBad = (h: LineHealth) => !h.connected || h.targets.some((t) => !t.reachable);

export function livePlugin(o: LiveOptions): FastifyPluginAsync {
  const dropped = counter(
    o.registry,
    "qh_live_dropped_total",
    "Live view items not sent to a client that read too slowly (it got a gap event instead).",
    [],
  );
  return async (app) => {
    // a gateway closing (restart, shutdown) ends each stream with `event: end` first, so that the
    // page tells a normal end from a failure (web/console/screens/live.tsx)
    const open = new Set<{ send(e: string, d: unknown): boolean; end(): void }>();
    app.addHook("preClose", async () => {
      for (const s of open) {
        s.send("end", { reason: "closing" });
        s.end();
      }
    });
    app.get<{ Querystring: { errors?: "0" | "1" } }>(
      "/live",
      {
        schema: {
          querystring: {
            type: "object",
            additionalProperties: false,
            properties: { errors: { enum: ["0", "1"] } },
          },
        },
      },
      async (req, reply) => {
        const errorsOnly = req.query.errors === "1";
        const sse = openSse(req, reply, { ...o.sse, onDrop: () => dropped.inc() });
        const offs: (() => void)[] = [];
        const bus = (h: LineHealth) => {
          if (!errorsOnly || lineBad(h)) sse.send("bus", h);
        };
        for (const line of o.site.lines.values()) {
          const h = line.health?.();
          if (h) bus(h);
          if (line.watch) offs.push(line.watch(bus));
        }
        offs.push(
          o.hub.on("event", (e) => {
            if (!errorsOnly || isErrorEventType(e.type)) sse.send("event", e);
          }),
          o.hub.on("device", (d) => {
            if (!errorsOnly || d.online === false) sse.send("device", d);
          }),
          o.hub.on("cold", (c) => {
            const bad = Object.values(c.zones).some(
              (z) => z.inAlarm === true || (z.quality !== undefined && z.quality !== "ok"),
            );
            if (!errorsOnly || bad) sse.send("cold", c);
          }),
        );
        if (!errorsOnly) {
          let last = "";
          const figures = () => {
            const f = o.outbox();
            const text = JSON.stringify(f);
            if (text !== last && sse.send("outbox", f)) last = text;
          };
          figures();
          const t = setInterval(figures, o.outboxEveryMs ?? 1000);
          t.unref();
          offs.push(() => clearInterval(t));
        }
        open.add(sse);
        sse.onClose(() => {
          open.delete(sse);
          for (const off of offs) off();
        });
      },
    );
  };
}
