/**
 * `POST /api/v1/buses/test-open` opens serial ports only (attacker review of issue 12: `/dev/fd/N`
 * opened the gateway's own SQLite file): a real gateway through inject(), real nodes of this
 * machine's /dev:
 *  - /dev/fd/N (here the fd of the gateway's own database), /dev/stdin, /dev/stdout, /dev/shm/…,
 *    /dev/null, /dev/zero, /dev/urandom, /dev/tty, /dev/ptmx, a folder: 400 QH_SERIAL_PATH_INVALID
 *    naming why, never opened;
 *  - a real pty (socat) still opens; a missing path is still 409 QH_SERIAL_OPEN.
 */
import { existsSync, readdirSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { validateConfig } from "../../../src/config/load.js";
import { startTestGateway, tempDir } from "../../helpers/gateway.js";
import { openPtyPair } from "../../helpers/pty.js";
import { startAedes, type Upstream } from "../../helpers/upstream.js";

const TOKEN = "testopen-token-0123456789";
const H = { authorization: `Bearer ${TOKEN}` };

describe("test-open refuses what is not a serial port", { timeout: 60_000 }, () => {
  let up: Upstream;
  let gw: Awaited<ReturnType<typeof startTestGateway>>;
  const shmFile = `/dev/shm/qh-testopen-${process.pid}`;

  beforeAll(async () => {
    up = await startAedes();
    const dir = tempDir("qh-testopen-");
    gw = await startTestGateway(
      validateConfig({
        gateway: { id: "gw-to", site: "to-site" },
        dataDir: join(dir, "data"),
        deviceBroker: { host: "127.0.0.1", port: 0 },
        uplink: { url: up.url },
        api: { host: "127.0.0.1", port: 0, token: TOKEN },
      }),
    );
  });
  afterAll(async () => {
    await gw?.cleanup();
    await up?.stop();
    rmSync(shmFile, { force: true });
  });

  const testOpen = (path: string) =>
    gw.api.inject({ method: "POST", url: "/api/v1/buses/test-open", headers: H, payload: { path } });

  it("refuses /dev/fd, /dev/std*, /dev/shm and non-serial devices with QH_SERIAL_PATH_INVALID", async () => {
    // the gateway's own database file descriptor (this process is the gateway)
    const dbFd = readdirSync("/proc/self/fd").find((fd) => {
      try {
        return readlinkSync(`/proc/self/fd/${fd}`).endsWith(".db");
      } catch {
        return false;
      }
    });
    expect(dbFd, "the gateway's database fd").toBeDefined();
    const paths = [`/dev/fd/${dbFd}`, "/dev/stdin", "/dev/stdout", "/dev/null", "/dev/zero", "/dev/urandom"];
    if (existsSync("/dev/shm")) {
      writeFileSync(shmFile, "x");
      paths.push(shmFile);
    }
    for (const p of ["/dev/tty", "/dev/ptmx", "/dev/pts"]) if (existsSync(p)) paths.push(p);
    for (const path of paths) {
      const r = await testOpen(path);
      expect(r.statusCode, `${path}: ${r.body}`).toBe(400);
      const e = r.json().error;
      expect(e.code, path).toBe("QH_SERIAL_PATH_INVALID");
      expect(e.message).toContain("not a serial port");
      expect(e.details.why, path).toMatch(/\w/);
      expect(e.hint).toMatch(/serial port/);
    }
  });

  it("a real pty still opens; a missing path is still 409 QH_SERIAL_OPEN", async () => {
    const pair = await openPtyPair();
    try {
      const ok = await testOpen(pair.ptyA);
      expect(ok.statusCode, ok.body).toBe(200);
      expect(ok.json()).toEqual({ path: pair.ptyA, ok: true });
    } finally {
      await pair.close();
    }
    const missing = await testOpen("/dev/ttyQH-none");
    expect(missing.statusCode).toBe(409);
    expect(missing.json().error.code).toBe("QH_SERIAL_OPEN");
  });
});
