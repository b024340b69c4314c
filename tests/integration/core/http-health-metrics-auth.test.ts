import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestGateway, testConfig } from "../../helpers/gateway.js";
import { freePort, startAedes, type Upstream, waitUntil } from "../../helpers/upstream.js";

describe("HTTP: /health, /metrics and the /api/v1 token", () => {
  let up: Upstream;
  let port: number;
  let gw: Awaited<ReturnType<typeof startTestGateway>>;

  beforeAll(async () => {
    port = await freePort();
    up = await startAedes(port);
    gw = await startTestGateway(testConfig(up.url));
    await waitUntil(
      async () => (await gw.api.inject({ url: "/health" })).statusCode === 200,
      10_000,
      "uplink up",
    );
  });
  afterAll(async () => {
    await gw.cleanup();
    await up.stop();
  });

  it("health is ok with the uplink connected", async () => {
    const r = await gw.api.inject({ url: "/health" });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({ status: "ok", uplink: { connected: true }, outbox: { pending: 0 } });
  });

  it("metrics are Prometheus text with the contract's families", async () => {
    await gw.ingest.emit({ device: "d", type: "t", data: {} });
    const r = await gw.api.inject({ url: "/metrics" });
    expect(r.statusCode).toBe(200);
    expect(r.headers["content-type"]).toContain("text/plain");
    for (const m of [
      "qh_events_accepted_total 1",
      "qh_events_delivered_total",
      "qh_outbox_pending",
      "qh_ingest_batch_size_bucket",
      "qh_forward_latency_seconds_bucket",
      "qh_device_payloads_rejected_total",
      // a series from the start, at 0 until the first checkpoint: "none yet", not a missing metric
      'qh_wal_checkpoints_total{outcome="failed"} 0',
    ]) {
      expect(r.body).toContain(m);
    }
  });

  it("/api/v1 needs the bearer token: 401 without or wrong, 200 with", async () => {
    const none = await gw.api.inject({ url: "/api/v1/info" });
    expect(none.statusCode).toBe(401);
    expect(none.json()).toMatchObject({ error: { code: "QH_API_UNAUTHORIZED" } });
    const wrong = await gw.api.inject({ url: "/api/v1/info", headers: { authorization: "Bearer nope" } });
    expect(wrong.statusCode).toBe(401);
    const ok = await gw.api.inject({
      url: "/api/v1/info",
      headers: { authorization: "Bearer test-token-0123456789" },
    });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({ gateway: "gw-test", site: "test-site", uplink: { connected: true } });
  });

  it("health turns degraded (503) when the uplink is gone, with the pending count", async () => {
    await waitUntil(() => gw.forwarder.pendingCount === 0, 10_000, "earlier events delivered");
    await up.stop();
    await waitUntil(
      async () => (await gw.api.inject({ url: "/health" })).statusCode === 503,
      10_000,
      "degraded",
    );
    await gw.ingest.emit({ device: "d", type: "t", data: {} });
    const r = await gw.api.inject({ url: "/health" });
    expect(r.json()).toMatchObject({
      status: "degraded",
      uplink: { connected: false },
      outbox: { pending: 1 },
    });
    up = await startAedes(port);
    await waitUntil(
      async () => (await gw.api.inject({ url: "/health" })).json().outbox.pending === 0,
      10_000,
      "drained",
    );
  });
});
