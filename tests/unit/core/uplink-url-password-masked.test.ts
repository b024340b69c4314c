/**
 * A password in `uplink.url` (`mqtts://user:pass@host`, which mqtt.js takes as the credentials) is
 * never printed: not by `config show` / `config check` (maskSecrets), not in the gateway's
 * "gateway started" and "uplink connected" log lines. The broker is a real aedes that checks the
 * password, so the gateway is seen to have used it while it printed it masked.
 */
import { Writable } from "node:stream";
import pino from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { maskSecrets } from "../../../src/cli/config.js";
import { MASK, redactUrl } from "../../../src/core/redact.js";
import { startGateway } from "../../../src/gateway.js";
import { testConfig } from "../../helpers/gateway.js";
import { startAedes, type Upstream, waitUntil } from "../../helpers/upstream.js";

const SECRET = "hunter2-uplink-secret";

describe("redactUrl", () => {
  it("masks the password of a URL's userinfo and nothing else", () => {
    expect(redactUrl(`mqtts://alice:${SECRET}@platform.example:8883`)).toBe(
      `mqtts://alice:${MASK}@platform.example:8883`,
    );
    expect(redactUrl(`wss://bob:${SECRET}@h/mqtt?x=1`)).toBe(`wss://bob:${MASK}@h/mqtt?x=${MASK}`);
    // a password with an @ (parsers split at the authority's last @), query credentials
    expect(redactUrl(`mqtts://alice:p@${SECRET}@h:8883`)).toBe(`mqtts://alice:${MASK}@h:8883`);
    expect(redactUrl(`wss://h/mqtt?token=${SECRET}&sig=a#frag`)).toBe(
      `wss://h/mqtt?token=${MASK}&sig=${MASK}#frag`,
    );
    expect(redactUrl(`wss://h/mqtt?${SECRET}`)).toBe(`wss://h/mqtt?${MASK}`);
    // a user name alone, no userinfo, an @ only in the path, or no URL at all: unchanged
    expect(redactUrl("mqtts://alice@h:8883")).toBe("mqtts://alice@h:8883");
    expect(redactUrl("mqtt://h:1883/a@b")).toBe("mqtt://h:1883/a@b");
    expect(redactUrl("embedded")).toBe("embedded");
    expect(redactUrl("user:pw@host")).toBe("user:pw@host");
  });

  it("config show's masking covers a password in any URL value", () => {
    const shown = JSON.stringify(
      maskSecrets({ uplink: { url: `mqtts://alice:${SECRET}@p:8883`, username: "alice" } }),
    );
    expect(shown).not.toContain(SECRET);
    expect(shown).toContain(`mqtts://alice:${MASK}@p:8883`);
  });
});

describe("the gateway's logs", () => {
  let up: Upstream | undefined;
  afterAll(async () => up?.stop());

  it("name the uplink URL with its password masked, while the gateway uses the password", async () => {
    let seenPassword: string | undefined;
    up = await startAedes(0, (aedes) => {
      aedes.authenticate = (_client, username, password, done) => {
        seenPassword = password?.toString();
        done(null, username === "alice" && seenPassword === SECRET);
      };
    });
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, cb) {
        lines.push(...chunk.toString().split("\n").filter(Boolean));
        cb();
      },
    });
    const config = testConfig(`mqtt://alice:${SECRET}@127.0.0.1:${up.port}`);
    const gw = await startGateway({ config, log: pino({ level: "info" }, sink) });
    try {
      await waitUntil(() => lines.some((l) => l.includes('"uplink connected"')), 10_000, "uplink connected");
      expect(seenPassword).toBe(SECRET);
      const started = lines.find((l) => l.includes('"gateway started"'));
      expect(JSON.parse(started!).uplink).toBe(`mqtt://alice:${MASK}@127.0.0.1:${up.port}`);
      const connected = lines.find((l) => l.includes('"uplink connected"'));
      expect(JSON.parse(connected!).url).toBe(`mqtt://alice:${MASK}@127.0.0.1:${up.port}`);
    } finally {
      await gw.stop();
    }
    expect(lines.join("\n")).not.toContain(SECRET);
  });
});
