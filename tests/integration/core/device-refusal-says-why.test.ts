// Issue 14, a new user's review: a refused password tells the installer (in the log, never the
// device: CONNACK 4 either way) whether the device has no credential at all or a wrong one; and a
// flood of cheap refusals is counted in full but logged within a budget (10 lines per reason a minute).
import { Writable } from "node:stream";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mqttDevices, startTestGateway, testConfig } from "../../helpers/gateway.js";
import { connectClient, startAedes, type Upstream } from "../../helpers/upstream.js";

function capture() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      for (const l of String(chunk).split("\n")) if (l.trim()) lines.push(JSON.parse(l));
      cb();
    },
  });
  return { logger: pino({ level: "info" }, stream), lines };
}

describe("a refused device password says why in the log", () => {
  let up: Upstream;
  let gw: Awaited<ReturnType<typeof startTestGateway>>;
  const log = capture();

  beforeAll(async () => {
    up = await startAedes();
    gw = await startTestGateway(testConfig(up.url, { devices: mqttDevices("meter-1", "meter-2") }), {
      log: log.logger,
    });
    await gw.credentials.add("meter-2", "generic-mqtt", "secret-of-meter-2");
  });
  afterAll(async () => {
    await gw?.cleanup();
    await up?.stop();
  });

  const refusal = (device: string) =>
    log.lines.filter(
      (l) => l.msg === "device refused" && l.device === device && l.reason === "wrong_credentials",
    );

  it("declared but never provisioned: 'no credential', with the command that makes one", async () => {
    const url = `mqtt://127.0.0.1:${gw.deviceBrokerPort}`;
    await expect(connectClient(url, { username: "meter-1", password: "demo-meter-secret" })).rejects.toThrow(
      /Bad username or password/i,
    );
    expect(refusal("meter-1")).toHaveLength(1);
    expect(refusal("meter-1")[0]!.why).toBe(
      "no credential for meter-1: provision it with `quarterhour device add meter-1`",
    );
  });

  it("provisioned, wrong password: 'does not match'", async () => {
    const url = `mqtt://127.0.0.1:${gw.deviceBrokerPort}`;
    await expect(connectClient(url, { username: "meter-2", password: "not-the-secret" })).rejects.toThrow(
      /Bad username or password/i,
    );
    expect(refusal("meter-2")).toHaveLength(1);
    expect(refusal("meter-2")[0]!.why).toBe("the password does not match the device's credential");
  });

  it("a flood of refused CONNECTs is counted in full, logged at most 10 lines per reason a minute", async () => {
    const url = `mqtt://127.0.0.1:${gw.deviceBrokerPort}`;
    const metric = async () => {
      const text = await gw.registry.getSingleMetricAsString("qh_device_connects_refused_total");
      const line = text
        .split("\n")
        .find((l) => l.startsWith('qh_device_connects_refused_total{reason="client_id"} '));
      return line ? Number(line.split(" ")[1]) : 0;
    };
    const before = await metric();
    for (let i = 0; i < 25; i++) {
      await expect(
        connectClient(url, { username: "meter-2", password: "secret-of-meter-2", clientId: `intruder-${i}` }),
      ).rejects.toThrow(/Identifier rejected/i);
    }
    expect((await metric()) - before).toBe(25);
    const lines = log.lines.filter((l) => l.msg === "device refused" && l.reason === "client_id");
    expect(lines).toHaveLength(10);
    expect(lines[9]!.more).toMatch(/counted, not logged/);
  });
});
