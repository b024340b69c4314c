/**
 * Issue 8 (attacker's review): `config check`, `config show` (and `start`, which reads the config
 * the same way) never print a secret, whatever form it takes in the file:
 *  - a token or password written without quotes (YAML reads it as a number: "must be a string"
 *    must not echo it);
 *  - a URL whose host cannot be read, carrying a password ("cannot read a broker host in …");
 *  - a password containing `@` (URL parsers split userinfo at the LAST `@` of the authority);
 *  - a signed WebSocket URL whose query carries the credentials (presigned X-Amz-Security-Token /
 *    X-Amz-Signature, an SAS `sig`, a `token`).
 * Each is a real CLI child process on a config file in a temp dir.
 */
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCliAsync } from "../helpers/cli.js";
import { tempDir } from "../helpers/gateway.js";

const dir = tempDir("qh-secrets-");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function config(name: string, uplink: string, api = `{ token: "api-token-0123456789abcdef" }`): string {
  const f = join(dir, name);
  writeFileSync(
    f,
    `gateway: { id: gw-s, site: s }\ndataDir: ${join(dir, "data")}\nuplink:\n${uplink}\napi: ${api}\n`,
  );
  return f;
}

describe("config check and config show print no secret", () => {
  it("a numeric token and password (unquoted): named, not echoed", async () => {
    const f = config(
      "numeric.yaml",
      "  url: mqtts://broker.example.com:8883\n  username: u\n  password: 86420975310\n",
      "{ token: 1357924680135792 }",
    );
    const r = await runCliAsync(["config", "check", "-c", f]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/api\.token: must be a string/);
    expect(r.stderr).toMatch(/uplink\.password: must be a string/);
    expect(r.stderr).not.toContain("1357924680135792");
    expect(r.stderr).not.toContain("86420975310");
  });

  it("a URL with a password and no readable host: named, the password masked", async () => {
    const f = config("nohost.yaml", '  url: "mqtt://alice:NoHostSecret99@"\n');
    const r = await runCliAsync(["config", "check", "-c", f]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/uplink\.url: cannot read a broker host/);
    expect(r.stderr).not.toContain("NoHostSecret99");
  });

  for (const [name, url, secrets] of [
    [
      "a password with an @",
      "mqtts://alice:p@ss-AtSecret7@broker.example.com:8883",
      ["ss-AtSecret7", "p@ss"],
    ],
    [
      "a presigned WebSocket URL",
      "wss://broker.example.com/mqtt?X-Amz-Security-Token=AmzTokenSecret1&X-Amz-Signature=f00dfeedSig",
      ["AmzTokenSecret1", "f00dfeedSig"],
    ],
    [
      "a token in the query",
      "wss://broker.example.com:443/mqtt?token=QueryTokenSecret2",
      ["QueryTokenSecret2"],
    ],
  ] as const) {
    it(`${name}: config show and config check mask it`, async () => {
      const f = config(`url-${name.length}.yaml`, `  url: "${url}"\n`);
      for (const cmd of ["show", "check"]) {
        const r = await runCliAsync(["config", cmd, "-c", f]);
        expect(r.status, r.stderr).toBe(0);
        expect(r.stdout).toContain("broker.example.com");
        for (const s of secrets) expect(r.stdout + r.stderr).not.toContain(s);
      }
    });
  }
});
