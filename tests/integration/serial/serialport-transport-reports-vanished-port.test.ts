import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { isQhError, type QhError } from "../../../src/core/errors.js";
import { SerialPortTransport } from "../../../src/southbound/serial/serialport-transport.js";
import { until } from "./support/lockboard-line.js";
import { openPtyLine, type PtyLine } from "./support/pty-line.js";

describe("serialport transport: a real port that vanishes", () => {
  let pty: PtyLine;
  const opened: SerialPortTransport[] = [];
  const port = (path: string, watchMs?: number) => {
    const t = new SerialPortTransport({
      path,
      baudRate: 9600,
      ...(watchMs === undefined ? {} : { watchMs }),
    });
    opened.push(t);
    return t;
  };

  beforeEach(async () => {
    pty = await openPtyLine();
  });

  afterEach(async () => {
    for (const t of opened.splice(0)) await t.close();
    await pty?.close();
  });

  it("carries bytes both ways", async () => {
    const a = port(pty.a);
    const b = port(pty.b);
    await a.open();
    await b.open();
    const atB: Buffer[] = [];
    const atA: Buffer[] = [];
    b.on("data", (d: Buffer) => atB.push(d));
    a.on("data", (d: Buffer) => atA.push(d));
    await a.write(Buffer.from([0x80, 0x01, 0x00, 0x33, 0xb2]));
    await b.write(Buffer.from("pong"));
    await until(() => Buffer.concat(atB).length === 5 && Buffer.concat(atA).length === 4, "both directions");
    expect(Buffer.concat(atB).toString("hex")).toBe("80010033b2");
    expect(Buffer.concat(atA).toString()).toBe("pong");
  });

  it("emits close with an errno error when socat dies, then refuses writes instead of queueing them", async () => {
    const a = port(pty.a);
    await a.open();
    const closes: Array<Error | undefined> = [];
    a.on("close", (e?: Error) => closes.push(e));
    await pty.unplug("SIGKILL");
    await until(() => closes.length === 1, "close event");
    const err = closes[0] as NodeJS.ErrnoException;
    expect(["EIO", "EBADF", "ENXIO", "ENOENT"]).toContain(err.code);
    expect(a.isOpen).toBe(false);
    const w = await a.write(Buffer.from([1])).catch((e: unknown) => e);
    expect(isQhError(w, "QH_SERIAL_CLOSED")).toBe(true);
  });

  it("notices a port that was hung up before its first read (a quiet line) and closes it", async () => {
    const a = port(pty.a);
    await a.open();
    const closes: Array<Error | undefined> = [];
    a.on("close", (e?: Error) => closes.push(e));
    // Kill socat and hold the event loop until it is gone, so that the port's first read only
    // starts after the hangup: that read gets 0 bytes, which serialport retries forever without
    // reporting anything. The path watchdog finds the path gone and closes the port.
    process.kill(pty.pid!, "SIGKILL");
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 300);
    await pty.unplug("SIGKILL");
    await until(() => closes.length === 1, "close event");
    expect(["ENOENT", "EIO", "EBADF", "ENXIO"]).toContain((closes[0] as NodeJS.ErrnoException).code);
    expect(a.isOpen).toBe(false);
  });

  it("without the watchdog, the next write on a hung-up port reports the loss", async () => {
    const a = port(pty.a, 0);
    await a.open();
    const closes: Array<Error | undefined> = [];
    a.on("close", (e?: Error) => closes.push(e));
    process.kill(pty.pid!, "SIGKILL");
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 300);
    await pty.unplug("SIGKILL");
    const w = await a.write(Buffer.from([0x80, 0x01, 0x00, 0x33, 0xb2])).catch((e: unknown) => e);
    expect(w).toBeInstanceOf(Error);
    await until(() => closes.length === 1, "close event");
    expect(["EIO", "EBADF", "ENXIO"]).toContain((closes[0] as NodeJS.ErrnoException).code);
  });

  it("rejects open with QH_SERIAL_OPEN and the errno when the path is missing, and reopens once it is back", async () => {
    const a = port(pty.a);
    await pty.unplug();
    const err = (await a.open().catch((e: unknown) => e)) as QhError;
    expect(isQhError(err, "QH_SERIAL_OPEN")).toBe(true);
    expect(err.details).toMatchObject({ path: pty.a, errno: "ENOENT", kind: "unplugged" });
    await pty.replug();
    await a.open();
    expect(a.isOpen).toBe(true);
  });

  it("takes the port exclusively: a second opener is told the port is busy", async () => {
    await port(pty.a).open();
    const err = (await port(pty.a)
      .open()
      .catch((e: unknown) => e)) as QhError;
    expect(isQhError(err, "QH_SERIAL_OPEN")).toBe(true);
    expect(err.details).toMatchObject({ kind: "busy" });
  });

  it("emits close without an error on a normal close", async () => {
    const a = port(pty.a);
    await a.open();
    const closes: Array<Error | undefined> = [];
    a.on("close", (e?: Error) => closes.push(e));
    await a.close();
    expect(closes).toEqual([undefined]);
  });
});
