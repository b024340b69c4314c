/**
 * What the gateway prints at start for the pages: the console URL always; per terminal a pairing
 * code only on the demo (simulate: true), never on a real site, where it says how to make one.
 */
import { Writable } from "node:stream";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { ApiAuth } from "../../../src/api/auth.js";
import { announcePages } from "../../../src/api/site-auth.js";
import { validateConfig } from "../../../src/config/load.js";

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { log: pino({ level: "info" }, stream), lines };
}

const site = (simulate: boolean) =>
  validateConfig({
    gateway: { id: "gw-x", site: "s" },
    dataDir: "/tmp/unused",
    uplink: { url: "embedded" },
    simulate,
    api: { host: "0.0.0.0", port: 8080, token: "tok-0123456789abcdef" },
    buses: [
      {
        id: "bus-a",
        path: simulate ? "sim://bus-a" : "/dev/ttyUSB0",
        protocol: "lockboard-xor",
        devices: [{ id: "locker-a", model: "demo-bank-24", address: 1 }],
      },
    ],
    locker: { terminals: [{ id: "kiosk-a", banks: ["locker-a"] }] },
  });

describe("announcePages", () => {
  it("demo: console URL and a pairing code per terminal that pairs", () => {
    const { log, lines } = capture();
    const auth = new ApiAuth({ token: "tok-0123456789abcdef", terminals: () => ["kiosk-a"] });
    announcePages(auth, site(true), 8080, log);
    const text = lines.join("");
    expect(text).toContain("installer console: http://127.0.0.1:8080/");
    const code = /enter pairing code (\d{8}) \(demo only/.exec(text)?.[1];
    expect(code).toBe(auth.demoPairingCode("kiosk-a"));
  });

  it("a real site (simulate: false): no pairing code, the command to make one", () => {
    const { log, lines } = capture();
    const auth = new ApiAuth({ token: "tok-0123456789abcdef", terminals: () => ["kiosk-a"] });
    announcePages(auth, site(false), 8080, log);
    const text = lines.join("");
    expect(text).toContain("installer console: http://127.0.0.1:8080/");
    expect(text).toContain("quarterhour terminal pair kiosk-a");
    const msgs = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(msgs.some((m) => "pairingCode" in m)).toBe(false);
    expect(msgs.map((m) => m.msg).join("\n")).not.toMatch(/\d{8}/);
  });
});
