/**
 * `quarterhour vend audit` waits as long as the DEX transfer may take (the driver's 30 s, plus a
 * margin), not the CLI's usual 15 s: an audit answered after 16 s is printed, not reported as an
 * unreachable gateway. No answer in time is the coded QH_DEX_AUDIT_TIMEOUT.
 *
 * The gateway here is a stand-in HTTP server speaking the gateway's API for the three calls the CLI
 * makes (/whoami with the token's proof, /info, then the audit), so the test can hold the audit's answer as long as a slow DEX
 * transfer would: the real transfer's timing is the driver's, tested elsewhere.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it, vi } from "vitest";
import { AUDIT_WAIT_MS, vendAudit } from "../../../src/cli/vend.js";
import { isQhError } from "../../../src/core/errors.js";
import { tokenProof } from "../../../src/core/token-proof.js";
import { DEX_FETCH_TIMEOUT_MS } from "../../../src/drivers/mdb-bridge.js";

const ROOT = new URL("../../../", import.meta.url).pathname;
const AUDIT = {
  auditId: "a-1",
  verdict: "verified",
  reconciled: true,
  mode: "baseline",
  machine: { serial: "S1" },
  warnings: [],
  mismatches: [],
};

function standIn(auditDelayMs: number): Promise<Server> {
  const srv = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://stand-in");
    if (url.pathname === "/whoami") {
      // the demo config's gateway id and api.token (config/default.yaml)
      const nonce = url.searchParams.get("nonce") ?? "";
      res.setHeader("content-type", "application/json");
      res.end(
        JSON.stringify({
          gateway: "gw-demo",
          bootId: "b",
          proof: tokenProof("demo-token-not-secret-change-me", nonce),
        }),
      );
      return;
    }
    if (req.url === "/api/v1/info") {
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ gateway: "gw-demo", site: "s", version: "0", bootId: "b" }));
      return;
    }
    const t = setTimeout(() => {
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify(AUDIT));
    }, auditDelayMs);
    res.on("close", () => clearTimeout(t));
  });
  return new Promise((ok) => srv.listen(0, "127.0.0.1", () => ok(srv)));
}

describe("vend audit's wait", () => {
  let srv: Server | undefined;
  afterEach(async () => {
    vi.restoreAllMocks();
    const s = srv;
    srv = undefined;
    if (!s) return;
    s.closeAllConnections();
    await new Promise((ok) => s.close(ok));
  });

  it("waits at least the DEX fetch's own timeout", () => {
    expect(AUDIT_WAIT_MS).toBeGreaterThan(DEX_FETCH_TIMEOUT_MS);
  });

  it("an audit answered after 16 s is printed", { timeout: 40_000 }, async () => {
    srv = await standIn(16_000);
    const port = (srv.address() as AddressInfo).port;
    const printed: string[] = [];
    vi.spyOn(process.stdout, "write").mockImplementation((s) => {
      printed.push(String(s));
      return true;
    });
    await vendAudit({ config: `${ROOT}config/default.yaml`, apiPort: port, device: "vending-a", json: true });
    vi.restoreAllMocks();
    expect(JSON.parse(printed.join(""))).toMatchObject({ auditId: "a-1" });
  });

  it("no answer in time is QH_DEX_AUDIT_TIMEOUT, naming the machine", async () => {
    srv = await standIn(60_000);
    const port = (srv.address() as AddressInfo).port;
    const { connectGateway } = await import("../../../src/cli/gateway-client.js");
    const { readConfig } = await import("../../../src/cli/common.js");
    const { auditTimeout } = await import("../../../src/cli/vend.js");
    const api = await connectGateway(readConfig({ config: `${ROOT}config/default.yaml`, apiPort: port }));
    const err = await api
      .call("POST", "/vending/vending-a/audit", undefined, {
        timeoutMs: 300,
        onTimeout: (ms) => auditTimeout("vending-a", ms),
      })
      .catch((e: unknown) => e);
    expect(isQhError(err, "QH_DEX_AUDIT_TIMEOUT")).toBe(true);
    expect((err as Error).message).toContain("vending-a");
  });
});
