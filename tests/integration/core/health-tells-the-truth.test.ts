/**
 * /health says what stops the gateway (503, `problems`) and what does not (200, `warnings`):
 * - the store failing writes: a real SQLite failure (a trigger that aborts every insert into the
 *   outbox, as an I/O error would) turns it degraded with the message; the next commit that
 *   succeeds clears it. Before: "ok" while every event was refused.
 * - an unsynchronised clock: 200 with a warning and the clock's state; events carry
 *   `"clock": "unsynced"`. Before: nothing said so. What the OS says about NTP is the test's answer
 *   (`timeSync`): the machine's NTP daemon is not ours to run.
 * Every body matches docs/contract/v1/health.schema.json.
 */
import { afterEach, describe, expect, it } from "vitest";
import { contractValidators } from "../../helpers/contract.js";
import { startTestGateway, testConfig } from "../../helpers/gateway.js";
import { Platform, startAedes, type Upstream, waitUntil } from "../../helpers/upstream.js";

const healthSchema = contractValidators().get("health")!;

describe("/health tells the truth", () => {
  let up: Upstream | undefined;
  let gw: Awaited<ReturnType<typeof startTestGateway>> | undefined;
  let platform: Platform | undefined;
  afterEach(async () => {
    await gw?.cleanup();
    await platform?.close();
    await up?.stop();
    gw = undefined;
    platform = undefined;
    up = undefined;
  });

  async function health() {
    const r = await gw!.api.inject({ url: "/health" });
    const body = r.json();
    expect(healthSchema(body), JSON.stringify(healthSchema.errors)).toBe(true);
    return { status: r.statusCode, body };
  }

  it("is degraded while the store fails writes, and ok again once a write succeeds", async () => {
    up = await startAedes(0);
    gw = await startTestGateway(testConfig(up.url));
    await waitUntil(async () => (await health()).status === 200, 10_000, "up");

    gw.db.exec(
      "CREATE TRIGGER qh_test_io BEFORE INSERT ON events BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END",
    );
    await expect(gw.ingest.emit({ device: "d", type: "t.refused", data: {} })).rejects.toMatchObject({
      code: "QH_STORE_FULL",
    });
    const bad = await health();
    expect(bad.status).toBe(503);
    expect(bad.body.status).toBe("degraded");
    expect(bad.body.problems).toEqual([expect.stringMatching(/^store failing writes: .*disk I\/O error/)]);

    gw.db.exec("DROP TRIGGER qh_test_io");
    await gw.ingest.emit({ device: "d", type: "t.stored", data: {} });
    expect(await health()).toMatchObject({ status: 200, body: { status: "ok", problems: [] } });
  });

  it("warns (200) about an unsynchronised clock and flags the events accepted on it", async () => {
    up = await startAedes(0);
    platform = await Platform.connect(up.url);
    let ntp = false;
    gw = await startTestGateway(testConfig(up.url), {
      timeSync: async () => ({ synced: ntp, via: "timesyncd" }),
    });
    await waitUntil(async () => (await health()).body.uplink.connected, 10_000, "up");
    const h = await health();
    expect(h).toMatchObject({
      status: 200,
      body: {
        status: "ok",
        problems: [],
        warnings: ["clock unsynchronised: the OS says the wall clock is not synchronised (NTP)"],
        clock: { synced: false, mode: "auto", via: "timesyncd" },
      },
    });
    await gw.ingest.emit({ device: "d", type: "t.unsynced", data: {} });

    ntp = true;
    await gw.clock.check();
    expect(await health()).toMatchObject({ status: 200, body: { warnings: [], clock: { synced: true } } });
    await gw.ingest.emit({ device: "d", type: "t.synced", data: {} });

    const p = platform;
    await p.waitFor(() => p.events.length >= 2, 10_000, "both events");
    const byType = Object.fromEntries(p.events.map((e) => [e.type, e as unknown as Record<string, unknown>]));
    expect(byType["t.unsynced"]).toMatchObject({ clock: "unsynced" });
    expect(byType["t.synced"]).not.toHaveProperty("clock");
    const envelope = contractValidators().get("envelope")!;
    for (const e of p.events) expect(envelope(e), JSON.stringify(envelope.errors)).toBe(true);
  });
});
