/**
 * The provisioning API's plugins and the gateway's way to make its {@link Provisioning}.
 */
import type { FastifyPluginAsync } from "fastify";
import type { Provisioning } from "./context.js";
import { devicesPlugin } from "./devices.js";
import { layoutPlugin } from "./layout.js";
import { sitePlugin } from "./site.js";

export { Provisioning, type ProvisioningDeps } from "./context.js";

/** The provisioning routes under /api/v1 (installer scope). */
export function provisioningPlugins(p: Provisioning): FastifyPluginAsync[] {
  return [devicesPlugin(p), sitePlugin(p), layoutPlugin(p)];
}
