/**
 * Issue 12, the commissioning routes with inject() on a simulated site: every route's schema
 * errors (400 QH_API_INVALID naming the field), unknown bus / bank / job / report (404 with their
 * codes), a line that cannot be scanned (409 QH_SCAN_UNSUPPORTED), a range or lock outside the
 * line or bank (400), a second door test of a busy bus (409 QH_JOB_BUSY), and the bearer token.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { extensionsFor } from "../../../src/extensions/index.js";
import { startTestGateway, testConfig } from "../../helpers/gateway.js";
import { freePort } from "../../helpers/upstream.js";

const TOKEN = "test-token-0123456789";
type Gw = Awaited<ReturnType<typeof startTestGateway>>;
type Err = { error: { code: string; message: string; hint: string; details?: unknown } };

describe("commissioning API input", () => {
  let gw: Gw;
  beforeAll(async () => {
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
        {
          id: "scan-a",
          path: "sim://scan-a",
          protocol: "scanner-line",
          devices: [{ id: "scanner-a", model: "generic-serial-scanner" }],
        },
        {
          id: "vend-a",
          path: "sim://vend-a",
          protocol: "mdb-bridge-text",
          devices: [{ id: "vending-a", model: "mdb-vending-machine" }],
        },
      ],
    });
    gw = await startTestGateway(config, { extensions: extensionsFor(config) });
  }, 60_000);
  afterAll(async () => gw?.cleanup());

  const call = async <T = Err>(method: string, url: string, body?: unknown, token = TOKEN) => {
    const r = await gw.api.inject({
      method: method as "GET",
      url: `/api/v1${url}`,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      ...(body === undefined ? {} : { payload: typeof body === "string" ? body : JSON.stringify(body) }),
    });
    return { status: r.statusCode, body: JSON.parse(r.body) as T };
  };

  it("schema errors: 400 QH_API_INVALID", async () => {
    for (const [url, body] of [
      ["/buses/bus-a/scan", { from: "1" }],
      ["/buses/bus-a/scan", { from: -1 }],
      ["/buses/bus-a/scan", { to: 1.5 }],
      ["/buses/bus-a/scan", { extra: true }],
      ["/locker/locker-a/door-test", { locks: [] }],
      ["/locker/locker-a/door-test", { locks: ["1"] }],
      ["/locker/locker-a/door-test", { locks: [0] }],
      ["/locker/locker-a/door-test", { openTimeoutS: 0 }],
      ["/locker/locker-a/door-test", { closeTimeoutS: 601 }],
      ["/locker/locker-a/door-test", { lock: [1] }],
      ["/locker/locker-a/door-test", "[1,2]"],
    ] as const) {
      const r = await call("POST", url, body);
      expect(r.status, `${url} ${JSON.stringify(body)}`).toBe(400);
      expect(r.body.error.code).toBe("QH_API_INVALID");
      expect(r.body.error.hint).toBeTruthy();
    }
    expect((await call("GET", "/jobs/not a job")).status).toBe(400);
    expect((await call("GET", "/reports/not-a-report-id")).status).toBe(400);
  });

  it("unknown bus, bank, job, report: 404 with their codes", async () => {
    const bus = await call("POST", "/buses/nope/scan", {});
    expect(bus.status).toBe(404);
    expect(bus.body.error.code).toBe("QH_BUS_UNKNOWN");
    expect(bus.body.error.message).toContain("bus-a");
    const bank = await call("POST", "/locker/nope/door-test", {});
    expect(bank.status).toBe(404);
    expect(bank.body.error.code).toBe("QH_BANK_UNKNOWN");
    const id = "00000000-0000-4000-8000-000000000000";
    for (const url of [`/jobs/${id}`, `/jobs/${id}/events`]) {
      const r = await call("GET", url);
      expect(r.status, url).toBe(404);
      expect(r.body.error.code).toBe("QH_JOB_UNKNOWN");
    }
    expect((await call("DELETE", `/jobs/${id}`)).body.error.code).toBe("QH_JOB_UNKNOWN");
    for (const url of [`/reports/${id}`, `/reports/${id}.html`]) {
      const r = await call("GET", url);
      expect(r.status, url).toBe(404);
      expect(r.body.error.code).toBe("QH_REPORT_UNKNOWN");
    }
  });

  it("lines that cannot be scanned, ranges and locks outside the line or bank", async () => {
    for (const bus of ["scan-a", "vend-a"]) {
      const r = await call("POST", `/buses/${bus}/scan`, {});
      expect(r.status, bus).toBe(409);
      expect(r.body.error.code).toBe("QH_SCAN_UNSUPPORTED");
    }
    const range = await call("POST", "/buses/bus-a/scan", { from: 9, to: 3 });
    expect(range.status).toBe(400);
    expect(range.body.error.code).toBe("QH_SCAN_RANGE_INVALID");
    const lock = await call("POST", "/locker/locker-a/door-test", { locks: [25] });
    expect(lock.status).toBe(400);
    expect(lock.body.error.code).toBe("QH_DOOR_TEST_INVALID");
    const twice = await call("POST", "/locker/locker-a/door-test", { locks: [2, 2] });
    expect(twice.status).toBe(400);
    expect(twice.body.error.code).toBe("QH_DOOR_TEST_INVALID");
  });

  it("a second door test of a busy bus: 409 QH_JOB_BUSY; the first is cancelled", async () => {
    const first = await call<{ job: string; report: string }>("POST", "/locker/locker-a/door-test", {
      locks: [1, 2, 3],
      openTimeoutS: 1,
      closeTimeoutS: 30,
    });
    expect(first.status).toBe(202);
    expect(first.body.report).toMatch(/^[0-9a-f-]{36}$/);
    const second = await call("POST", "/locker/locker-a/door-test", { locks: [4] });
    expect(second.status).toBe(409);
    expect(second.body.error.code).toBe("QH_JOB_BUSY");
    const cancelled = await call<{ state: string }>("DELETE", `/jobs/${first.body.job}`);
    expect(cancelled.status).toBe(200);
    const report = await call<{ state: string }>("GET", `/reports/${first.body.report}`);
    expect(report.status).toBe(200);
  });

  it("every route needs the bearer token", async () => {
    for (const [method, url] of [
      ["POST", "/buses/bus-a/scan"],
      ["GET", "/jobs"],
      ["GET", "/reports"],
      ["GET", "/live"],
      ["POST", "/locker/locker-a/door-test"],
    ] as const) {
      const r = await call(method, url, method === "POST" ? {} : undefined, "");
      expect(r.status, url).toBe(401);
      expect(r.body.error.code).toBe("QH_API_UNAUTHORIZED");
    }
  });
});
