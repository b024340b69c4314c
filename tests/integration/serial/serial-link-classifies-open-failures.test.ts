import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { SerialLink } from "../../../src/southbound/serial/link.js";
import { SerialPortTransport } from "../../../src/southbound/serial/serialport-transport.js";
import { portLink, until } from "./support/lockboard-line.js";
import { openPtyLine, type PtyLine } from "./support/pty-line.js";

describe("serial link: failed opens are classified and retried", () => {
  let pty: PtyLine;
  let dir: string;
  const links: SerialLink[] = [];
  const holders: SerialPortTransport[] = [];

  beforeEach(async () => {
    pty = await openPtyLine();
    dir = mkdtempSync(join(tmpdir(), "qh-serial-"));
  });

  afterEach(async () => {
    for (const l of links.splice(0)) await l.stop();
    for (const t of holders.splice(0)) await t.close();
    await pty?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const start = (path: string) => {
    const l = portLink("rs485-x", path);
    links.push(l);
    l.start();
    return l;
  };

  it("a missing adapter is 'unplugged' (ENOENT), and the link opens once it appears", async () => {
    const l = start(join(dir, "ttyUSB9"));
    await until(() => l.lastFailure !== undefined, "a failed attempt");
    expect(l.lastFailure).toMatchObject({ kind: "unplugged", errno: "ENOENT" });
    expect(l.state).toBe("waiting");
  });

  it("a port held by another program is 'busy', and the link opens once it is released", async () => {
    const holder = new SerialPortTransport({ path: pty.a, baudRate: 9600 });
    holders.push(holder);
    await holder.open();
    const l = start(pty.a);
    await until(() => l.lastFailure !== undefined, "a failed attempt");
    expect(l.lastFailure?.kind).toBe("busy");
    await holder.close();
    await until(() => l.connected, "opened after release");
  });

  it("a file that is no serial port is 'other'", async () => {
    const file = join(dir, "not-a-tty");
    writeFileSync(file, "");
    const l = start(file);
    await until(() => l.lastFailure !== undefined, "a failed attempt");
    expect(l.lastFailure?.kind).toBe("other");
  });

  it.skipIf(process.getuid?.() === 0)("a port the user may not open is 'permission'", async () => {
    const file = join(dir, "ttyS9");
    writeFileSync(file, "");
    chmodSync(file, 0o000);
    const l = start(file);
    await until(() => l.lastFailure !== undefined, "a failed attempt");
    expect(l.lastFailure).toMatchObject({ kind: "permission", errno: "EACCES" });
  });
});
