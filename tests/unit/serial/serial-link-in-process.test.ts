import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { isQhError } from "../../../src/core/errors.js";
import { silentLogger } from "../../../src/core/logger.js";
import { createInProcessPair } from "../../../src/southbound/serial/in-process.js";
import { SerialLink, type SerialLinkEvents } from "../../../src/southbound/serial/link.js";

const until = async (cond: () => boolean, what: string) => {
  const end = Date.now() + 20_000;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
};

describe("serial link over an in-process pair", () => {
  it("opens, carries data, and reopens after an unplug without a restart", async () => {
    const [gw, dev] = createInProcessPair();
    const link = new SerialLink({
      id: "bus-a",
      factory: () => gw,
      log: silentLogger(),
      registry: new Registry(),
      backoff: { initialMs: 5, maxMs: 20 },
    });
    const events: string[] = [];
    const downs: SerialLinkEvents["down"][] = [];
    link.on("up", () => events.push("up"));
    link.on("down", (d) => {
      events.push("down");
      downs.push(d);
    });
    const heard: Buffer[] = [];
    link.on("data", (d) => heard.push(d));
    link.start();
    await until(() => link.connected, "up");

    await dev.write(Buffer.from("hi"));
    await until(() => heard.length > 0, "data");
    expect(Buffer.concat(heard).toString()).toBe("hi");

    gw.unplug();
    expect(link.connected).toBe(false);
    expect(downs[0]?.kind).toBe("unplugged");
    const w = await link.write(Buffer.from([1])).catch((e: unknown) => e);
    expect(isQhError(w, "QH_SERIAL_CLOSED")).toBe(true);
    await until(() => link.lastFailure?.errno === "ENOENT", "a failed reopen");

    gw.replug();
    await until(() => link.connected, "up again");
    expect(events).toEqual(["up", "down", "up"]);
    const atDev: Buffer[] = [];
    dev.on("data", (d: Buffer) => atDev.push(d));
    await link.write(Buffer.from("back"));
    await until(() => atDev.length > 0, "data after replug");
    expect(Buffer.concat(atDev).toString()).toBe("back");

    await link.stop();
    expect(events).toEqual(["up", "down", "up", "down"]);
    expect(link.state).toBe("stopped");
    expect(gw.isOpen).toBe(false);
  });

  it("stop() while the line is down ends the retries", async () => {
    const [gw] = createInProcessPair();
    gw.unplug();
    const link = new SerialLink({
      id: "bus-b",
      factory: () => gw,
      log: silentLogger(),
      backoff: { initialMs: 5 },
    });
    link.start();
    await until(() => link.lastFailure !== undefined, "a failed open");
    await link.stop();
    gw.replug();
    await new Promise((r) => setTimeout(r, 30));
    expect(link.connected).toBe(false);
    expect(link.state).toBe("stopped");
  });
});
