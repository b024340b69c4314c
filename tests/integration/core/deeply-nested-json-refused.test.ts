// Security finding (issue 14 follow-up): JSON nested tens of thousands deep overflowed the stack
// (QH_INTERNAL) after it was parsed. Device payloads and platform commands deeper than 32 levels
// are refused up front with a coded answer; a refused cmd-result still ends its command.
import type { MqttClient } from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mqttDevices, startTestGateway, testConfig } from "../../helpers/gateway.js";
import { connectClient, Platform, startAedes, type Upstream } from "../../helpers/upstream.js";

const R = "qh/v1/gw-test";
const future = () => new Date(Date.now() + 60_000).toISOString();
const nested = (n: number) => "[".repeat(n) + "]".repeat(n);
let n = 0;

type TestGateway = Awaited<ReturnType<typeof startTestGateway>>;

async function tooDeep(gw: TestGateway): Promise<number> {
  const text = await gw.registry.getSingleMetricAsString("qh_device_payloads_rejected_total");
  const line = text.split("\n").find((l) => l.includes('device="dev-a",reason="too_deep"'));
  return line ? Number(line.split(" ").at(-1)) : 0;
}

describe("JSON nested deeper than 32 levels is refused, coded, from devices and the platform", () => {
  let up: Upstream;
  let platform: Platform;
  let gw: TestGateway;
  let dev: MqttClient;
  /** what dev-a answers to the next command */
  let answer = "{}";

  beforeAll(async () => {
    up = await startAedes();
    platform = await Platform.connect(up.url);
    gw = await startTestGateway(
      testConfig(up.url, {
        deviceBroker: { host: "127.0.0.1", port: 0, maxPayload: 262_144 },
        devices: mqttDevices("dev-a"),
      }),
    );
    await gw.credentials.add("dev-a", "generic-mqtt", "secret-of-a");
    dev = await connectClient(`mqtt://127.0.0.1:${gw.deviceBrokerPort}`, {
      username: "dev-a",
      password: "secret-of-a",
      clientId: "dev-a",
    });
    await dev.subscribeAsync("dev/dev-a/cmd/+", { qos: 1 });
    dev.on("message", (_t, payload) => {
      const cmd = JSON.parse(payload.toString()) as { id: string };
      dev.publish(`dev/dev-a/cmd-result/${cmd.id}`, answer, { qos: 1 });
    });
  });
  afterAll(async () => {
    await dev?.endAsync();
    await platform?.close();
    await gw?.cleanup();
    await up?.stop();
  });

  /** Send a command; `args` is raw JSON text (JSON.stringify itself overflows on deep values). */
  async function command(body: Record<string, unknown>, name = "device.command", args?: string) {
    const id = `cmd-deep-${n++}`;
    const text = JSON.stringify({ id, ...body });
    const raw = args === undefined ? text : `${text.slice(0, -1)},"args":${args}}`;
    await platform.client.publishAsync(`${R}/cmd/${name}`, raw, { qos: 1 });
    await platform.waitFor(() => platform.topic(`${R}/cmd-result/${id}`).length > 0, 20_000, "result");
    const result = JSON.parse(platform.topic(`${R}/cmd-result/${id}`)[0]!.payload);
    const row = gw.db.prepare("SELECT state FROM commands WHERE id = ?").get(id) as
      | { state: string }
      | undefined;
    return { result, ledger: row?.state };
  }

  for (const [what, payload] of [
    ["32,000 [ then 32,000 ]", nested(32_000)],
    ["an ok answer whose result nests 32,000 deep", `{"status":"ok","result":{"x":${nested(32_000)}}}`],
  ] as const) {
    it(`a cmd-result of ${what} is refused (too_deep) and the command ends failed, coded`, async () => {
      const before = await tooDeep(gw);
      answer = payload;
      // a long device timeout: only the refusal can end the command within the wait
      const { result, ledger } = await command({
        device: "dev-a",
        args: { name: "ping", timeoutMs: 60_000 },
        expiresAt: future(),
      });
      expect(result).toMatchObject({
        status: "failed",
        error: {
          code: "QH_DEVICE_COMMAND_FAILED",
          message: expect.stringMatching(/refused: nested too deep/),
        },
      });
      expect(ledger).toBe("done");
      expect(await tooDeep(gw)).toBe(before + 1);
      expect(dev.connected).toBe(true);
    });
  }

  it("an answer nested exactly 32 levels is accepted", async () => {
    answer = `{"status":"ok","result":{"x":${nested(30)}}}`;
    const { result } = await command({ device: "dev-a", args: { name: "ping" }, expiresAt: future() });
    expect(result).toMatchObject({ status: "ok", result: { deviceStatus: "ok" } });
  });

  it("events, state and telemetry nested too deep are dropped as too_deep; 32 levels pass", async () => {
    const before = await tooDeep(gw);
    const deep = `{"x":${nested(32_000)}}`;
    await dev.publishAsync("dev/dev-a/evt/deep", deep, { qos: 1 });
    await dev.publishAsync("dev/dev-a/state", deep, { qos: 1 });
    await dev.publishAsync("dev/dev-a/tele", deep, { qos: 1 });
    // brackets inside strings do not count
    await dev.publishAsync("dev/dev-a/evt/brackets", JSON.stringify({ s: '[[[[\\"'.repeat(100) }), {
      qos: 1,
    });
    await dev.publishAsync("dev/dev-a/evt/thirty_two", `{"x":${nested(31)}}`, { qos: 1 });
    await platform.waitFor(() => platform.events.some((e) => e.type === "thirty_two"));
    expect(await tooDeep(gw)).toBe(before + 3);
    const types = platform.events.map((e) => e.type);
    expect(types).toContain("brackets");
    expect(types).not.toContain("deep");
    expect(dev.connected).toBe(true);
  });

  it("a platform command whose args nest 100,000 deep is rejected QH_COMMAND_INVALID, not run", async () => {
    const deep = `{"x":${nested(100_000)}}`;
    for (const [name, args] of [
      ["device.command", `{"name":"ping","args":${deep}}`],
      ["ping", deep],
    ] as const) {
      const { result, ledger } = await command({ device: "dev-a", expiresAt: future() }, name, args);
      expect(result).toMatchObject({
        status: "rejected",
        error: { code: "QH_COMMAND_INVALID", message: expect.stringMatching(/nested too deep/) },
      });
      expect(ledger).toBeUndefined();
    }
  });
});
