/**
 * Run a simulator on a real serial port path (a PTY made by socat, or a USB adapter looped to the
 * gateway): open the path with serialport, attach the simulator, return a stop function. Opens by
 * path only (SerialPort.list() needs udev).
 */
import { SerialPort } from "serialport";
import { QhError } from "../core/errors.js";
import type { Simulator } from "./types.js";

export interface RunSimOptions {
  /** Port errors after opening (a vanished PTY, EIO); default: ignored, the simulator goes quiet. */
  onError?: (err: Error) => void;
}

export async function runSimOnPath(
  sim: Simulator,
  path: string,
  baudRate: number,
  options: RunSimOptions = {},
): Promise<() => Promise<void>> {
  const port = new SerialPort({ path, baudRate, autoOpen: false });
  await new Promise<void>((resolve, reject) => {
    port.open((err) => {
      if (err)
        reject(new QhError("QH_SERIAL_OPEN", `simulator cannot open ${path}: ${err.message}`, { path }));
      else resolve();
    });
  });
  port.on("error", (err: Error) => options.onError?.(err));
  const detach = sim.attach(port);
  let stopped = false;
  return async () => {
    if (stopped) return;
    stopped = true;
    detach();
    if (!port.isOpen) return;
    await new Promise<void>((resolve) => port.close(() => resolve()));
  };
}
