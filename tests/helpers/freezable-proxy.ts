import { connect, createServer, type Server, type Socket } from "node:net";

/**
 * A TCP proxy in front of a real broker that can be frozen: it then stops forwarding in both
 * directions without closing anything (no FIN, no RST), and holds new connections open without
 * forwarding them either. From the client's side that is a half-open connection: a NAT that forgot
 * the flow, a mobile link that died, a peer frozen mid-stream. `thaw()` forwards new connections
 * again (the frozen ones stay dead, as they would in the field).
 */
export interface FreezableProxy {
  url: string;
  port: number;
  freeze(): void;
  thaw(): void;
  /** connections accepted so far */
  readonly accepted: number;
  close(): Promise<void>;
}

export async function startFreezableProxy(targetPort: number): Promise<FreezableProxy> {
  let frozen = false;
  let accepted = 0;
  const pairs: Array<{ client: Socket; upstream?: Socket; frozen: boolean }> = [];
  const server: Server = createServer((client) => {
    accepted++;
    const pair: { client: Socket; upstream?: Socket; frozen: boolean } = { client, frozen };
    pairs.push(pair);
    client.on("error", () => {});
    if (frozen) {
      client.pause(); // a black hole: accepted, never answered
      return;
    }
    const upstream = connect(targetPort, "127.0.0.1");
    pair.upstream = upstream;
    upstream.on("error", () => {});
    client.on("data", (d) => {
      if (!pair.frozen) upstream.write(d);
    });
    upstream.on("data", (d) => {
      if (!pair.frozen) client.write(d);
    });
    // an end from either side is forwarded only while not frozen
    client.on("close", () => {
      if (!pair.frozen) upstream.destroy();
    });
    upstream.on("close", () => {
      if (!pair.frozen) client.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const a = server.address();
  const port = typeof a === "object" && a ? a.port : 0;
  return {
    url: `mqtt://127.0.0.1:${port}`,
    port,
    get accepted() {
      return accepted;
    },
    freeze() {
      frozen = true;
      for (const p of pairs) p.frozen = true;
    },
    thaw() {
      frozen = false;
    },
    async close() {
      for (const p of pairs) {
        p.client.destroy();
        p.upstream?.destroy();
      }
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
