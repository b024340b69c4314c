/**
 * The site vertical (issue 11): the site's service mode (`normal` | `emergency`), the platform
 * command `site.mode` and the read-only API `GET /api/v1/site/mode`. It drives no bus and is wanted at
 * every site; it is built FIRST (VERTICALS order) and sets `seams.siteMode` while being built, so
 * the verticals after it (vending, lockers, distribution) read and subscribe to the mode at their
 * own build time.
 *
 *   site.mode (signed) ─► SiteModeService ─► site_mode (SQLite, component "site")
 *        ─► listeners (vending: essentials only; distribution) ─► site.mode_changed
 *        ─► /health `mode`, R/status `mode` (republished), kiosk status `siteMode`
 */
import type { FastifyPluginAsync } from "fastify";
import { SiteModeService } from "../domain/site/mode.js";
import type { Extension, ExtensionFactory } from "../gateway.js";
import type { SiteSeams } from "./seams.js";

/** Bus protocols this vertical drives: none. */
export const SITE_BUS_PROTOCOLS: ReadonlySet<string> = new Set();

/** `GET /api/v1/site/mode`: the mode now and its last changes (the CLI's `quarterhour site`). */
function sitePlugin(service: SiteModeService): FastifyPluginAsync {
  return async (app) => {
    app.get(
      "/site/mode",
      {
        schema: {
          summary: "The site's service mode (normal or emergency) and its last changes",
          tags: ["site"],
        },
      },
      async () => ({ mode: service.current(), history: service.history(20) }),
    );
  };
}

export function siteExtension(seams: SiteSeams): ExtensionFactory {
  return (ctx): Extension => {
    const log = ctx.log.child({ component: "site" });
    const service = new SiteModeService({
      db: ctx.db,
      events: ctx.events,
      clock: ctx.clock,
      log,
      gatewayId: ctx.config.gateway.id,
    });
    seams.siteMode = service;
    return {
      name: "site",
      commands: service.commands(),
      apiPlugins: [sitePlugin(service)],
      warnings: () => service.warnings(),
      siteMode: service,
      start: async () => service.start(),
      stop: async () => {
        await service.stop();
        if (seams.siteMode === service) seams.siteMode = undefined;
      },
    };
  };
}
