/**
 * SerialTransport over the `serialport` package: a real UART, a USB RS-485 adapter, or a PTY.
 *
 * Opened by path only (never SerialPort.list(), which needs udev). Each open() makes a fresh
 * SerialPort, so a transport can be reopened after its device vanished and came back.
 *
 * "close" carries an Error when the port vanished (its `code` is the errno: EIO, EBADF, ENXIO …,
 * recovered from serialport's DisconnectedError, which keeps only the text), nothing on a normal
 * close(). open() rejects with QhError QH_SERIAL_OPEN, `details: { path, errno, kind }`.
 * write() rejects with QH_SERIAL_CLOSED when the port is not open, instead of queueing the bytes
 * until some later open as serialport's stream would.
 *
 * Vanished devices: when a tty is hung up (USB adapter pulled, PTY master gone), a read that is
 * waiting in serialport's poller fails and the port closes, but a read issued after the hangup gets
 * 0 bytes, which @serialport/bindings-cpp 13 retries forever (a busy loop that never reports the
 * loss). Writes fail with EIO, so a polled bus notices at its next frame; for a quiet line a
 * watchdog checks every `watchMs` that the path still exists and names the same device (rdev), and
 * closes the port with ENOENT/ENODEV otherwise, which also ends the busy loop.
 */
import { EventEmitter } from "node:events";
import { stat } from "node:fs";
import { SerialPort } from "serialport";
import { QhError } from "../../core/errors.js";
import { classifySerialError, serialErrorCode } from "./classify.js";
import type { SerialTransport } from "./transport.js";

export interface SerialPortTransportOptions {
  path: string;
  baudRate: number;
  dataBits?: 5 | 6 | 7 | 8;
  stopBits?: 1 | 1.5 | 2;
  parity?: "none" | "even" | "odd";
  /** Exclusive lock on the port (flock), so two programs never share a bus. Default true. */
  lock?: boolean;
  /**
   * How often to check that the path still leads to the device that was opened (ms, 0 = never).
   * Default 500. See "Vanished devices" above.
   */
  watchMs?: number;
}

export class SerialPortTransport extends EventEmitter implements SerialTransport {
  readonly path: string;
  private readonly opts: SerialPortTransportOptions;
  private port: SerialPort | undefined;
  private opening: Promise<void> | undefined;
  private watch: NodeJS.Timeout | undefined;
  private rdev: number | undefined;
  private vanishCause: NodeJS.ErrnoException | undefined;
  /** The last error of the open port (a failed write, an "error" event): the cause of a bare close. */
  private lastError: NodeJS.ErrnoException | undefined;
  private closeRequested = false;
  /** Rejecters of writes in progress, released if the port goes away under them. */
  private readonly inFlight = new Set<(err: Error) => void>();

  constructor(opts: SerialPortTransportOptions) {
    super();
    this.opts = opts;
    this.path = opts.path;
  }

  get isOpen(): boolean {
    return this.port?.isOpen ?? false;
  }

  open(): Promise<void> {
    if (this.port) return Promise.resolve();
    if (!this.opening) {
      this.opening = this.openPort().finally(() => {
        this.opening = undefined;
      });
    }
    return this.opening;
  }

  private openPort(): Promise<void> {
    const port = new SerialPort({
      path: this.opts.path,
      baudRate: this.opts.baudRate,
      dataBits: this.opts.dataBits ?? 8,
      stopBits: this.opts.stopBits ?? 1,
      parity: this.opts.parity ?? "none",
      lock: this.opts.lock ?? true,
      autoOpen: false,
    });
    return new Promise<void>((resolve, reject) => {
      port.open((err) => {
        if (err) {
          port.removeAllListeners();
          const errno = serialErrorCode(err);
          const text = err.message.replace(/^Error:?\s*/, "");
          reject(
            new QhError("QH_SERIAL_OPEN", `cannot open ${this.path}: ${text}`, {
              path: this.path,
              errno,
              kind: classifySerialError(err),
            }),
          );
          return;
        }
        this.port = port;
        port.on("data", this.onData);
        port.on("error", this.onError);
        port.once("close", (e: Error | null) => this.onClose(port, e));
        this.startWatch(port);
        resolve();
      });
    });
  }

  write(data: Buffer): Promise<void> {
    const port = this.port;
    if (!port?.isOpen) {
      return Promise.reject(new QhError("QH_SERIAL_CLOSED", `${this.path} is not open`, { path: this.path }));
    }
    return new Promise<void>((resolve, reject) => {
      const fail = (err: Error) => {
        this.inFlight.delete(fail);
        reject(err);
      };
      this.inFlight.add(fail);
      port.write(data, (err) => {
        if (!this.inFlight.delete(fail)) return; // already failed by a close
        if (err) {
          this.lastError = this.normalize(err);
          reject(this.lastError);
        } else resolve();
      });
    });
  }

  close(): Promise<void> {
    const port = this.port;
    if (!port?.isOpen) return Promise.resolve();
    this.closeRequested = true;
    return new Promise<void>((resolve) => {
      // Our "close" handler runs before this callback and emits "close" to our listeners.
      port.close(() => resolve());
    });
  }

  private readonly onData = (chunk: Buffer): void => {
    this.emit("data", chunk);
  };

  private readonly onError = (err: Error): void => {
    this.lastError = this.normalize(err);
    if (this.listenerCount("error") > 0) this.emit("error", this.lastError);
  };

  private startWatch(port: SerialPort): void {
    const every = this.opts.watchMs ?? 500;
    this.rdev = undefined;
    this.vanishCause = undefined;
    this.lastError = undefined;
    this.closeRequested = false;
    stat(this.path, (err, st) => {
      if (!err && this.port === port) this.rdev = st.rdev;
    });
    if (every <= 0) return;
    this.watch = setInterval(() => {
      stat(this.path, (err, st) => {
        if (this.port !== port || !port.isOpen) return;
        if (err) {
          if (classifySerialError(err) === "unplugged") this.vanish(port, err);
        } else if (this.rdev !== undefined && st.rdev !== this.rdev) {
          const replaced: NodeJS.ErrnoException = new Error("ENODEV: the path now names another device");
          replaced.code = "ENODEV";
          this.vanish(port, replaced);
        }
      });
    }, every);
    this.watch.unref();
  }

  private vanish(port: SerialPort, err: Error): void {
    this.vanishCause = this.normalize(err);
    (this.vanishCause as { disconnected?: boolean }).disconnected = true;
    port.close();
  }

  private onClose(port: SerialPort, err: Error | null): void {
    if (this.port !== port) return;
    this.port = undefined;
    if (this.watch) clearInterval(this.watch);
    this.watch = undefined;
    port.off("data", this.onData);
    port.off("error", this.onError);
    // A vanished port may still report late errors: keep them from becoming uncaught exceptions.
    port.on("error", () => {});
    // A failed write destroys serialport's stream, which emits a bare "close" before serialport's
    // own one with the DisconnectedError: a close we did not ask for is a loss all the same.
    let cause: NodeJS.ErrnoException | undefined = err ? this.normalize(err) : this.vanishCause;
    if (!cause && !this.closeRequested) {
      cause = this.lastError ?? this.normalize(new Error("the port closed unexpectedly"));
      (cause as { disconnected?: boolean }).disconnected = true;
    }
    this.vanishCause = undefined;
    this.lastError = undefined;
    this.closeRequested = false;
    if (this.inFlight.size > 0) {
      const closed = new QhError("QH_SERIAL_CLOSED", `${this.path} closed during a write`, {
        path: this.path,
        errno: cause ? serialErrorCode(cause) : undefined,
      });
      for (const fail of [...this.inFlight]) fail(closed);
    }
    this.emit("close", cause);
  }

  /** An Error whose `code` is the errno (when one can be told) and whose message names the path. */
  private normalize(err: Error): NodeJS.ErrnoException {
    const code = serialErrorCode(err);
    const out: NodeJS.ErrnoException = new Error(`${this.path}: ${err.message}`, { cause: err });
    if (code !== undefined) out.code = code;
    if ((err as { disconnected?: unknown }).disconnected === true) {
      (out as { disconnected?: boolean }).disconnected = true;
    }
    return out;
  }
}
