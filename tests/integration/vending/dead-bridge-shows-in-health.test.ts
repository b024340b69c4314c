/**
 * A dead MDB bridge is visible in /health, end to end: the gateway's vending bus on a real
 * pseudo-terminal (socat) with nothing answering on the other end is `degraded` with
 * QH_VEND_BRIDGE_SILENT (the reader's C,CONFIG went unanswered); the port gone (socat killed, as a
 * USB adapter pulled) is QH_SERIAL_CLOSED.
 */
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { extensionsFor } from "../../../src/extensions/index.js";
import { startTestGateway, tempDir, testConfig } from "../../helpers/gateway.js";
import { openPtyPair, type PtyPair } from "../../helpers/pty.js";
import { startAedes, type Upstream, waitUntil } from "../../helpers/upstream.js";

describe("a dead bridge in /health", () => {
  let up: Upstream | undefined;
  let gw: Awaited<ReturnType<typeof startTestGateway>> | undefined;
  let pair: PtyPair | undefined;
  afterEach(async () => {
    await gw?.cleanup();
    await pair?.close();
    await up?.stop();
  });

  it("no answer: degraded with QH_VEND_BRIDGE_SILENT; port gone: QH_SERIAL_CLOSED", async () => {
    const dir = tempDir("qh-dead-bridge-");
    pair = await openPtyPair({ linkA: join(dir, "bridge-a"), linkB: join(dir, "bridge-b") });
    up = await startAedes();
    const config = testConfig(up.url, {
      buses: [
        {
          id: "vend-a",
          path: pair.a,
          protocol: "mdb-bridge-text",
          devices: [{ id: "vm-a", model: "mdb-vending-machine" }],
        },
      ],
      vending: { maxResponseSeconds: 3, authorizeWindowMs: 2000 },
    });
    gw = await startTestGateway(config, { extensions: extensionsFor(config) });
    const health = async () => {
      const r = await gw!.api.inject({ method: "GET", url: "/health" });
      return { status: r.statusCode, problems: (r.json() as { problems: string[] }).problems };
    };
    await waitUntil(
      async () => (await health()).problems.some((p) => p.includes("QH_VEND_BRIDGE_SILENT")),
      10_000,
      "the silent bridge reported",
    );
    const silent = await health();
    expect(silent.status).toBe(503);
    expect(silent.problems.find((p) => p.includes("QH_VEND_BRIDGE_SILENT"))).toMatch(
      /^vending machine vm-a: /,
    );

    await pair.close(); // the port is gone
    pair = undefined;
    await waitUntil(
      async () => (await health()).problems.some((p) => p.includes("QH_SERIAL_CLOSED")),
      10_000,
      "the port gone reported",
    );
    const gone = await health();
    expect(gone.status).toBe(503);
    expect(gone.problems).toContain(
      "vending machine vm-a: QH_SERIAL_CLOSED: bus vend-a down (the bridge's port is gone or closed)",
    );
  });
});
