/**
 * Issue 12, the Server-Sent Event streams, read by a real HTTP client (node:http, node:net):
 *
 *  - GET /api/v1/jobs/{job}/events: progress, one result per address, done, then the stream ends.
 *  - GET /api/v1/live: the line's health and the outbox figures at connect, business events as
 *    they are committed (a door forced open on the simulated bank); `errors=1` keeps the
 *    door.forced and drops the door.opened beside it; heartbeats.
 *  - A client that does not read never blocks the gateway: items past the bounded buffer are
 *    dropped and counted (qh_live_dropped_total), and the client gets a `gap` event.
 */
import { request } from "node:http";
import { connect } from "node:net";
import { Registry } from "prom-client";
import { afterEach, describe, expect, it } from "vitest";
import { buildApp } from "../../../src/api/app.js";
import { livePlugin } from "../../../src/api/ops/live.js";
import { LiveHub } from "../../../src/domain/commissioning/live.js";
import { CommissioningSite } from "../../../src/domain/commissioning/site.js";
import { extensionsFor } from "../../../src/extensions/index.js";
import { startTestGateway, testConfig } from "../../helpers/gateway.js";
import { freePort, waitUntil } from "../../helpers/upstream.js";

const TOKEN = "test-token-0123456789";
type Sse = { event: string; data: unknown };

/** Opens an SSE stream with a real HTTP client; collects parsed items and comment lines. */
function stream(url: string) {
  const items: Sse[] = [];
  const comments: string[] = [];
  let ended = false;
  let buf = "";
  const req = request(url, { headers: { authorization: `Bearer ${TOKEN}`, accept: "text/event-stream" } });
  const opened = new Promise<number>((resolve, reject) => {
    req.on("response", (res) => {
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        buf += chunk;
        let i = buf.indexOf("\n\n");
        while (i >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          if (block.startsWith(":")) comments.push(block.slice(1).trim());
          else {
            const ev = /^event: (.*)$/m.exec(block)?.[1] ?? "message";
            const data = /^data: (.*)$/m.exec(block)?.[1];
            items.push({ event: ev, data: data ? JSON.parse(data) : undefined });
          }
          i = buf.indexOf("\n\n");
        }
      });
      res.on("end", () => {
        ended = true;
      });
      resolve(res.statusCode ?? 0);
    });
    req.on("error", reject);
  });
  req.end();
  return {
    items,
    comments,
    opened,
    get ended() {
      return ended;
    },
    close: () => {
      req.destroy();
    },
  };
}

describe("SSE streams", () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  const simSite = async () => {
    const config = testConfig(`mqtt://127.0.0.1:${await freePort()}`, {
      simulate: true,
      buses: [
        {
          id: "bus-a",
          path: "sim://bus-a",
          protocol: "lockboard-xor",
          pollIntervalMs: 50,
          devices: [{ id: "locker-a", model: "demo-bank-24", address: 1 }],
        },
      ],
    });
    const gw = await startTestGateway(config, { extensions: extensionsFor(config) });
    cleanups.push(() => gw.cleanup());
    return { gw, base: `http://127.0.0.1:${gw.apiPort}/api/v1` };
  };

  it("job events: progress, results, done, end of stream", async () => {
    const { gw, base } = await simSite();
    const r = await gw.api.inject({
      method: "POST",
      url: "/api/v1/buses/bus-a/scan",
      headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
      payload: JSON.stringify({ from: 1, to: 4 }),
    });
    expect(r.statusCode).toBe(202);
    const job = JSON.parse(r.body).job as string;
    const s = stream(`${base}/jobs/${job}/events`);
    cleanups.push(() => s.close());
    expect(await s.opened).toBe(200);
    await waitUntil(() => s.ended, 20_000, "the job's stream to end");
    const results = s.items
      .filter((i) => i.event === "result")
      .map((i) => (i.data as { address: number }).address);
    expect(results).toEqual([1, 2, 3, 4]);
    expect(s.items.some((i) => i.event === "progress")).toBe(true);
    const done = s.items.at(-1)!;
    expect(done.event).toBe("done");
    expect(done.data).toMatchObject({ id: job, state: "done", progress: { done: 4, total: 4 } });
    const unknown = stream(`${base}/jobs/00000000-0000-0000-0000-000000000000/events`);
    expect(await unknown.opened).toBe(404);
    unknown.close();
  });

  it("live: bus and outbox at connect, business events, errors only", async () => {
    const { gw, base } = await simSite();
    const all = stream(`${base}/live`);
    const errors = stream(`${base}/live?errors=1`);
    cleanups.push(
      () => all.close(),
      () => errors.close(),
    );
    expect(await all.opened).toBe(200);
    expect(await errors.opened).toBe(200);
    await waitUntil(() => all.items.some((i) => i.event === "outbox"), 10_000, "outbox figures");
    expect(all.items.find((i) => i.event === "bus")?.data).toMatchObject({ bus: "bus-a", connected: true });
    // a door pried open on the simulated bank: door.opened + door.forced
    const sim = await gw.api.inject({
      method: "POST",
      url: "/api/v1/sim/lockers/locker-a/A03",
      headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
      payload: JSON.stringify({ action: "force-open" }),
    });
    expect(sim.statusCode, sim.body).toBe(200);
    const types = (s: ReturnType<typeof stream>) =>
      s.items.filter((i) => i.event === "event").map((i) => (i.data as { type: string }).type);
    await waitUntil(() => types(all).includes("door.forced"), 20_000, "door.forced on the live view");
    await waitUntil(() => types(errors).includes("door.forced"), 20_000, "door.forced on the errors view");
    expect(types(all)).toContain("door.opened");
    expect(types(errors)).not.toContain("door.opened");
    expect(errors.items.some((i) => i.event === "outbox")).toBe(false);
    const bad = await fetch(`${base}/live?errors=yes`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { code: string } }).error.code).toBe("QH_API_INVALID");
  });

  it("a client that does not read: bounded buffer, drops counted, a gap event, heartbeats", async () => {
    const registry = new Registry();
    const hub = new LiveHub();
    const app = await buildApp({
      registry,
      token: TOKEN,
      health: { uplinkConnected: () => true, outboxPending: () => 0, problems: () => [] },
      apiPlugins: [
        livePlugin({
          hub,
          site: new CommissioningSite(),
          outbox: () => ({ pending: 0, lastSeq: 0 }),
          registry,
          sse: { maxBufferedBytes: 16 * 1024, heartbeatMs: 50 },
        }),
      ],
    });
    await app.listen({ host: "127.0.0.1", port: 0 });
    cleanups.push(() => app.close());
    const port = (app.server.address() as { port: number }).port;
    const sock = connect(port, "127.0.0.1");
    cleanups.push(() => {
      sock.destroy();
    });
    let text = "";
    sock.setEncoding("utf8");
    sock.on("data", (d: string) => {
      text += d;
    });
    sock.write(`GET /api/v1/live HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${TOKEN}\r\n\r\n`);
    await waitUntil(() => text.includes("event: outbox"), 10_000, "stream open");
    sock.pause(); // stops reading: the kernel's buffers fill, then the gateway's
    const data = "x".repeat(4096);
    for (let i = 1; i <= 4000; i++)
      hub.events([{ seq: i, device: "d", type: "t.x", body: JSON.stringify({ data }) }]);
    const metric = async () =>
      (await registry.getSingleMetric("qh_live_dropped_total")!.get()).values.reduce(
        (n, v) => n + v.value,
        0,
      );
    expect(await metric()).toBeGreaterThan(0);
    sock.resume();
    hub.events([{ seq: 5000, device: "d", type: "t.last", body: "{}" }]);
    await waitUntil(
      () => {
        if (text.includes("event: gap")) return true;
        hub.events([{ seq: 5001, device: "d", type: "t.more", body: "{}" }]);
        return false;
      },
      20_000,
      "a gap event",
    );
    const gap = /event: gap\ndata: (.*)\n/.exec(text)!;
    expect(JSON.parse(gap[1]!).dropped).toBeGreaterThan(0);
    await waitUntil(() => text.includes(": heartbeat"), 5_000, "a heartbeat");
  });
});
