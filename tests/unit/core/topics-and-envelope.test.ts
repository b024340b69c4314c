import { describe, expect, it } from "vitest";
import { EVENT_TYPE_RE } from "../../../src/core/envelope.js";
import { parseDeviceTopic, UplinkTopics } from "../../../src/uplink/topics.js";

describe("uplink topics", () => {
  const t = new UplinkTopics("qh/v1/", "gw-demo");
  it("builds every topic under R = prefix/gateway", () => {
    expect(t.status).toBe("qh/v1/gw-demo/status");
    expect(t.events).toBe("qh/v1/gw-demo/events");
    expect(t.event("locker-a", "parcel.deposited")).toBe("qh/v1/gw-demo/dev/locker-a/evt/parcel.deposited");
    expect(t.tele("m1")).toBe("qh/v1/gw-demo/dev/m1/tele");
    expect(t.state("m1")).toBe("qh/v1/gw-demo/dev/m1/state");
    expect(t.cmdResult("c-1")).toBe("qh/v1/gw-demo/cmd-result/c-1");
    expect(t.cmdFilter).toBe("qh/v1/gw-demo/cmd/+");
  });
  it("extracts command names and refuses other topics", () => {
    expect(t.commandName("qh/v1/gw-demo/cmd/locker.open")).toBe("locker.open");
    expect(t.commandName("qh/v1/gw-demo/cmd/")).toBeUndefined();
    expect(t.commandName("qh/v1/gw-demo/cmd/a/b")).toBeUndefined();
    expect(t.commandName("qh/v1/other/cmd/ping")).toBeUndefined();
  });
});

describe("device topics", () => {
  it("parses the scheme", () => {
    expect(parseDeviceTopic("dev/a/evt/door.opened")).toEqual({
      kind: "evt",
      device: "a",
      type: "door.opened",
    });
    expect(parseDeviceTopic("dev/a/tele")).toEqual({ kind: "tele", device: "a" });
    expect(parseDeviceTopic("dev/a/state")).toEqual({ kind: "state", device: "a" });
    expect(parseDeviceTopic("dev/a/cmd-result/42")).toEqual({
      kind: "cmd-result",
      device: "a",
      commandId: "42",
    });
  });
  it("refuses what is outside it", () => {
    for (const bad of [
      "dev/a",
      "dev//evt/x",
      "dev/a/evt",
      "dev/a/evt/x/y",
      "dev/a/tele/x",
      "foo/a/tele",
      "dev/a/other",
    ]) {
      expect(parseDeviceTopic(bad), bad).toBeUndefined();
    }
  });
  it("reads every topic as the split-based reading of the scheme did (all combinations of 1–5 levels)", () => {
    // the earlier form, kept here as the oracle
    const bySplit = (topic: string) => {
      const p = topic.split("/");
      if (p[0] !== "dev" || !p[1]) return undefined;
      const device = p[1];
      if (p[2] === "evt" && p.length === 4 && p[3]) return { kind: "evt", device, type: p[3] };
      if (p[2] === "tele" && p.length === 3) return { kind: "tele", device };
      if (p[2] === "state" && p.length === 3) return { kind: "state", device };
      if (p[2] === "cmd-result" && p.length === 4 && p[3])
        return { kind: "cmd-result", device, commandId: p[3] };
      if (p[2] === "cmd" && p.length === 4 && p[3]) return { kind: "cmd", device, name: p[3] };
      return undefined;
    };
    const levels = ["dev", "a", "", "evt", "tele", "state", "cmd", "cmd-result", "devx", "Dev", " "];
    let topics = levels.slice();
    let checked = 0;
    for (let depth = 1; depth <= 5; depth++) {
      for (const t of topics) {
        expect(parseDeviceTopic(t), t).toEqual(bySplit(t));
        checked++;
      }
      if (depth < 5) topics = topics.flatMap((t) => levels.map((l) => `${t}/${l}`));
    }
    expect(checked).toBe(11 + 11 ** 2 + 11 ** 3 + 11 ** 4 + 11 ** 5);
  });
  it("event types follow [a-z0-9_]+(.[a-z0-9_]+)*", () => {
    for (const ok of ["a", "parcel.deposited", "door_left.open_2"])
      expect(EVENT_TYPE_RE.test(ok), ok).toBe(true);
    for (const bad of ["", "A", "a..b", ".a", "a.", "a-b", "a b"])
      expect(EVENT_TYPE_RE.test(bad), bad).toBe(false);
  });
});
