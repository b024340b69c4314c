import type { EventEmitter } from "node:events";

/**
 * The byte link under a bus master or a simulator: a real serial port (serialport), or one end of
 * an in-process pair (demo default, no hardware). The bus master and the simulators only see this.
 *
 * Events:
 *  - "data" (chunk: Buffer)
 *  - "close" (err?: Error)   the link went away (unplugged adapter: ENOENT/EIO) or was closed
 *  - "error" (err: Error)
 */
export interface SerialTransport extends EventEmitter {
  readonly path: string;
  readonly isOpen: boolean;
  open(): Promise<void>;
  /** Resolves once the bytes are handed to the OS (drained). */
  write(data: Buffer): Promise<void>;
  close(): Promise<void>;
}
