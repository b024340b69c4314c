/**
 * Upstream: zone readings as telemetry at the configured rate (the core's lossy tier coalesces
 * them further), and the zone's state (temperature, alarms) in the controller's retained state
 * document whenever an alarm changes.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { Metrics } from "../../../src/core/envelope.js";
import { type ColdFixture, chilledZone, coldFixture } from "./fixture.js";

let f: ColdFixture;
afterEach(() => f.cleanup());

describe("upstream", () => {
  it("sends zone readings as telemetry at most every telemetrySeconds", async () => {
    const sent: Array<{ device: string; m: Metrics; mono: number }> = [];
    let clockRef: ColdFixture["clock"] | undefined;
    f = await coldFixture([chilledZone({ pollSeconds: 10 })], {
      extra: {
        telemetrySeconds: 60,
        telemetry: (device, m) => sent.push({ device, m, mono: clockRef!.mono() }),
      },
    });
    clockRef = f.clock;
    f.ctrl.set(0, { temperatureC: 4.2 });
    for (let i = 0; i < 13; i++) await f.step(10); // 120 s of readings every 10 s
    expect(sent).toHaveLength(3); // at 0, 60 and 120 s
    expect(sent[0]).toMatchObject({
      device: "ctrl-1",
      m: {
        "chilled.temperatureC": 4.2,
        "chilled.quality": "ok",
        "chilled.inAlarm": false,
        "chilled.setpointC": 4,
      },
    });
    expect(sent[1]!.mono - sent[0]!.mono).toBe(60_000);
  });

  it("publishes the zone's state, alarms included, in the controller's state document", async () => {
    f = await coldFixture([chilledZone()]);
    f.ctrl.set(0, { temperatureC: 9 });
    for (let i = 0; i < 12; i++) await f.step(30);
    const last = f.states.at(-1)!;
    expect(last.device).toBe("ctrl-1");
    expect(last.doc).toMatchObject({
      coldZones: {
        chilled: {
          zone: "chilled",
          temperatureC: 9,
          quality: "ok",
          inAlarm: true,
          alarms: [expect.objectContaining({ kind: "temperature", rule: "single" })],
        },
      },
    });
  });
});
