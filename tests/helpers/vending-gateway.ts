/**
 * A whole gateway with one simulated vending machine `vm-a` on bus `vend-a` (the config's vending
 * bus, the simulator on an in-process line), the real uplink (aedes) and a platform client: the
 * set-up the vending end-to-end tests share. The platform's commands go over the uplink and wait
 * for their results; the customer's hands are the simulator API; the simulator object itself is
 * there for what the API does not show (its vends, its line).
 */

import { extensionsFor } from "../../src/extensions/index.js";
import type { GatewayOptions } from "../../src/gateway.js";
import type { VendingMachineSim } from "../../src/sim/vending-machine.js";
import { startTestGateway, testConfig } from "./gateway.js";
import { type Envelope, Platform, startAedes, type Upstream } from "./upstream.js";

export const VEND_ROOT = "qh/v1/gw-test";
const TOKEN = "test-token-0123456789";

export interface CommandAnswer {
  status: string;
  result?: Record<string, unknown>;
  error?: { code: string; message: string };
}

export interface VendingRig {
  up: Upstream;
  gw: Awaited<ReturnType<typeof startTestGateway>>;
  platform: Platform;
  /** the simulated machine (the VMC and its bridge) */
  sim: VendingMachineSim;
  api(
    method: "GET" | "POST",
    url: string,
    body?: unknown,
  ): Promise<{ status: number; body: Record<string, unknown> }>;
  /** the customer's hands: POST /api/v1/sim/vending/vm-a */
  hands(body: Record<string, unknown>): Promise<Record<string, unknown>>;
  waitMachine(state: string): Promise<void>;
  command(name: string, args: Record<string, unknown>, timeoutMs?: number): Promise<CommandAnswer>;
  /** the first `count` events of that type the platform received (waits for them) */
  event(type: string, count?: number): Promise<Envelope[]>;
  /** stop the gateway (its data stays) and start it again on the same config; waits for ENABLED */
  restart(): Promise<void>;
  /** requests (R/dev/{device}/req/{type}: vend.authorize) the platform received (waits for `count`) */
  request(type: string, count?: number): Promise<Record<string, unknown>[]>;
  stop(): Promise<void>;
}

/**
 * Start the rig. `vending` and `extra` go into the config (`vending:` merged over a 3 s maximum
 * response time and a 2 s window, `simulator` for vm-a; `extra`: e.g. `planogram`); `opts` to
 * startTestGateway (e.g. `walSync`). Resolves once the machine's reader is ENABLED.
 */
export async function startVendingGateway(
  simulator: Record<string, unknown>,
  extra: Record<string, unknown> = {},
  opts: Partial<GatewayOptions> = {},
): Promise<VendingRig> {
  const up = await startAedes();
  const config = testConfig(up.url, {
    buses: [
      {
        id: "vend-a",
        path: "sim://vend-a",
        protocol: "mdb-bridge-text",
        devices: [{ id: "vm-a", model: "mdb-vending-machine" }],
      },
    ],
    vending: { maxResponseSeconds: 3, authorizeWindowMs: 2000, machines: [{ device: "vm-a", simulator }] },
    ...extra,
  });
  let sim: VendingMachineSim | undefined;
  const boot = () =>
    startTestGateway(config, {
      extensions: extensionsFor(config, undefined, {
        onSimulator: (_bus, s) => {
          sim = s as VendingMachineSim;
        },
      }),
      ...opts,
    });
  let gw = await boot();
  const platform = await Platform.connect(up.url);
  let n = 0;
  const api: VendingRig["api"] = async (method, url, body) => {
    const r = await gw.api.inject({
      method,
      url: `/api/v1${url}`,
      headers: { authorization: `Bearer ${TOKEN}` },
      payload: body as object,
    });
    return { status: r.statusCode, body: r.json() as Record<string, unknown> };
  };
  const rig: VendingRig = {
    up,
    gw,
    platform,
    sim: sim!,
    api,
    async restart() {
      await gw.stop();
      gw = await boot();
      rig.gw = gw;
      rig.sim = sim!;
      await rig.waitMachine("ENABLED");
    },
    hands: async (body) => (await api("POST", "/sim/vending/vm-a", body)).body,
    async waitMachine(state) {
      const end = Date.now() + 10_000;
      for (;;) {
        const r = (await api("GET", "/vending/machines")).body as { machines: { readerState: string }[] };
        if (r.machines[0]?.readerState === state) return;
        if (Date.now() > end) throw new Error(`machine not ${state}: ${JSON.stringify(r)}`);
        await new Promise((res) => setTimeout(res, 20));
      }
    },
    async command(name, args, timeoutMs = 20_000) {
      const id = `cmd-${name}-${++n}-${Date.now()}`;
      const topic = `${VEND_ROOT}/cmd-result/${id}`;
      await platform.client.publishAsync(
        `${VEND_ROOT}/cmd/${name}`,
        JSON.stringify({ id, args, expiresAt: new Date(Date.now() + 60_000).toISOString() }),
        { qos: 1 },
      );
      await platform.waitFor(() => platform.topic(topic).length > 0, timeoutMs, `result of ${id}`);
      return JSON.parse(platform.topic(topic)[0]!.payload) as CommandAnswer;
    },
    async event(type, count = 1) {
      await platform.waitFor(
        () => platform.events.filter((e) => e.type === type).length >= count,
        10_000,
        type,
      );
      return platform.events.filter((e) => e.type === type);
    },
    async request(type, count = 1) {
      const of = () =>
        platform.messages
          .filter((m) => /\/dev\/[^/]+\/req\//.test(m.topic) && m.topic.endsWith(`/${type}`))
          .map((m) => JSON.parse(m.payload) as Record<string, unknown>);
      await platform.waitFor(() => of().length >= count, 10_000, `request ${type}`);
      return of();
    },
    async stop() {
      await platform.close();
      await rig.gw.cleanup();
      await up.stop();
    },
  };
  if (!sim) throw new Error("the vending simulator was not built");
  await rig.waitMachine("ENABLED");
  return rig;
}
