/**
 * A site for the commissioning tests: a real gateway in-process (every extension, as
 * `quarterhour start` wires them: extensionsFor), its lines on socat pseudo-terminal pairs with
 * our simulators on the far ends, its API reached with inject() or a real HTTP client.
 *
 *   const s = await startOpsSite([{ sim: kerong, line: { id: "bus-k", protocol: "kerong-cu16", … } }]);
 *   const r = await s.api("POST", "/buses/bus-k/scan", { from: 0, to: 7 });
 *   const job = await s.waitJob(r.body.job);
 *   await s.close();
 */
import { rmSync } from "node:fs";
import { join } from "node:path";
import { extensionsFor } from "../../../src/extensions/index.js";
import { runSimOnPath } from "../../../src/sim/pty-runner.js";
import type { Simulator } from "../../../src/sim/types.js";
import { startTestGateway, tempDir, testConfig } from "../../helpers/gateway.js";
import { openPtyPair, type PtyPair } from "../../helpers/pty.js";
import { freePort, waitUntil } from "../../helpers/upstream.js";

export const TOKEN = "test-token-0123456789";
type Json = Record<string, unknown>;

export interface PtyLine {
  sim: Simulator;
  /** the bus entry of the config, without `path` (the pty link is filled in) */
  line: Json & { id: string; baudRate: number };
}

export interface JobBody {
  id: string;
  kind: string;
  state: string;
  progress: { done: number; total: number };
  results: Json[];
  report?: string;
  error?: { code: string; message: string };
}

export async function startOpsSite(lines: PtyLine[], extra: Json = {}) {
  const dir = tempDir("qh-ops-");
  const pairs: PtyPair[] = [];
  const stops: (() => Promise<void>)[] = [];
  const buses: Json[] = [];
  let gw: Awaited<ReturnType<typeof startTestGateway>> | undefined;
  const close = async () => {
    await gw?.cleanup();
    for (const s of stops) await s();
    for (const p of pairs) await p.close();
    for (const l of lines) l.sim.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (const l of lines) {
      const links = { linkA: join(dir, `${l.line.id}-gw`), linkB: join(dir, `${l.line.id}-dev`) };
      const pair = await openPtyPair(links);
      pairs.push(pair);
      stops.push(await runSimOnPath(l.sim, links.linkB, l.line.baudRate));
      buses.push({ pollIntervalMs: 50, ...l.line, path: links.linkA });
    }
    // nothing listens upstream: the site works offline, as a locker must
    const config = testConfig(`mqtt://127.0.0.1:${await freePort()}`, { simulate: false, buses, ...extra });
    gw = await startTestGateway(config, { extensions: extensionsFor(config) });
  } catch (err) {
    await close();
    throw err;
  }
  const g = gw;
  // every line open before a test speaks on it
  await waitUntil(
    async () => {
      const h = JSON.parse((await g.api.inject({ method: "GET", url: "/health" })).body) as {
        problems: string[];
      };
      return !h.problems.some((p) => /^bus \S+ down$/.test(p));
    },
    20_000,
    "every bus up",
  );
  const api = async <T = Json>(method: string, url: string, body?: unknown) => {
    const r = await g.api.inject({
      method: method as "GET",
      url: `/api/v1${url}`,
      headers: {
        authorization: `Bearer ${TOKEN}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
    });
    return { status: r.statusCode, body: (r.body ? JSON.parse(r.body) : {}) as T, headers: r.headers };
  };
  const waitJob = async (id: string, timeoutMs = 30_000): Promise<JobBody> => {
    let job: JobBody | undefined;
    await waitUntil(
      async () => {
        job = (await api<JobBody>("GET", `/jobs/${id}`)).body;
        return job.state !== "running";
      },
      timeoutMs,
      `job ${id} to end`,
    );
    return job!;
  };
  return { gw: g, api, waitJob, close, base: `http://127.0.0.1:${g.apiPort}/api/v1` };
}
