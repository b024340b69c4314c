/**
 * `uplink.url: embedded`: an in-process stand-in for the platform broker (aedes on
 * `uplink.embeddedPort`), so the demo needs nothing installed and a plain
 * `mosquitto_sub -p 1884 -t 'qh/#' -v` shows the stream. Anyone on the host may subscribe and
 * publish commands; it is a demo and test aid, not a platform.
 */
import { createServer, type Server } from "node:net";
import { Aedes } from "aedes";

export class EmbeddedUplinkBroker {
  private aedes: Aedes | undefined;
  private server: Server | undefined;

  constructor(
    private readonly host: string,
    private readonly port: number,
  ) {}

  get url(): string {
    return `mqtt://${this.host}:${this.boundPort}`;
  }

  get boundPort(): number {
    const a = this.server?.address();
    return typeof a === "object" && a ? a.port : this.port;
  }

  async start(): Promise<void> {
    this.aedes = await Aedes.createBroker({ heartbeatInterval: 60_000, maxClientsIdLength: 128 });
    // as a platform broker tuned for commands would: no Nagle delay on small packets
    this.server = createServer({ noDelay: true }, this.aedes.handle);
    await new Promise<void>((resolve, reject) => {
      this.server!.once("error", reject);
      this.server!.listen(this.port, this.host, () => resolve());
    });
  }

  async stop(): Promise<void> {
    const a = this.aedes;
    const s = this.server;
    if (a) await new Promise<void>((r) => a.close(() => r()));
    if (s) await new Promise<void>((r) => s.close(() => r()));
  }
}
