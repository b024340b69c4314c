/**
 * The serial scanner driver: a line-oriented barcode/QR scanner on its own serial link. Every
 * decoded scan goes to a handler; rejected lines (noise, over-long) are counted.
 */
import type { Registry } from "prom-client";
import type { Logger } from "../core/logger.js";
import { counter } from "../core/metrics.js";
import { createScannerDecoder, type ScannerLineOptions } from "../protocols/scanner-line/index.js";
import type { SerialLink } from "../southbound/serial/link.js";

export interface ScannerDriverOptions {
  device: string;
  bus: string;
  link: SerialLink;
  options?: ScannerLineOptions;
  onScan: (device: string, code: string) => void;
  log: Logger;
  registry: Registry;
}

export class ScannerDriver {
  private off: (() => void) | undefined;

  constructor(private readonly o: ScannerDriverOptions) {}

  start(): void {
    const decoder = createScannerDecoder(this.o.options);
    const decoded = counter(this.o.registry, "qh_bus_frames_decoded_total", "Frames decoded", ["bus"]);
    const rejected = counter(this.o.registry, "qh_bus_frames_rejected_total", "Frames rejected", [
      "bus",
      "reason",
    ]);
    const offData = this.o.link.on("data", (chunk: Buffer) => {
      for (const r of decoder.push(chunk)) {
        if (r.ok) {
          decoded.inc({ bus: this.o.bus });
          this.o.onScan(this.o.device, r.msg.code);
        } else {
          rejected.inc({ bus: this.o.bus, reason: r.reason });
          this.o.log.debug({ reason: r.reason, hex: r.raw.toString("hex") }, "scanner line rejected");
        }
      }
    });
    const offUp = this.o.link.on("up", () => decoder.reset());
    this.off = () => {
      offData();
      offUp();
    };
    this.o.link.start();
  }

  async stop(): Promise<void> {
    this.off?.();
    await this.o.link.stop();
  }
}
