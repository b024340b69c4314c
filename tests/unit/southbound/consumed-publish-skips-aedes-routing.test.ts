import { Aedes, type PublishPacket } from "aedes";
import { afterEach, describe, expect, it } from "vitest";
import { SINK, skipSinkRouting } from "../../../src/southbound/mqtt/device-broker.js";

/**
 * A device publish the gateway consumed (its topic rewritten to the sink) is not routed by aedes;
 * every other publish (commands to devices, aedes's own $SYS notices) is, as before. Against a real
 * aedes broker: its internal subscriptions see what it routes.
 */
describe("a consumed device publish skips aedes's routing", () => {
  let aedes: Aedes | undefined;
  afterEach(async () => {
    await new Promise<void>((r) => aedes?.close(() => r()) ?? r());
  });

  const packet = (topic: string): PublishPacket => ({
    cmd: "publish",
    topic,
    payload: Buffer.from("{}"),
    qos: 0,
    retain: false,
    dup: false,
  });

  it("answers the sink at once and routes nothing; other topics reach their subscribers", async () => {
    aedes = await Aedes.createBroker();
    skipSinkRouting(aedes);
    const seen: string[] = [];
    const published: string[] = [];
    // mqemitter's "#" matches every topic, $SYS ones too
    await new Promise<void>((r) =>
      aedes!.subscribe(
        "#",
        (p: PublishPacket, cb: () => void) => {
          seen.push(p.topic);
          cb();
        },
        r,
      ),
    );
    aedes.on("publish", (p) => published.push(p.topic));
    let answers = 0;
    const send = (topic: string, client: unknown) =>
      new Promise<Error | undefined>((r) =>
        (aedes as unknown as { publish(p: PublishPacket, c: unknown, d: (e?: Error) => void): void }).publish(
          packet(topic),
          client,
          (e) => {
            answers++;
            r(e);
          },
        ),
      );
    // the form aedes's PUBLISH handler uses (packet, client, done), and the public one (packet, done)
    expect(await send(SINK, null)).toBeUndefined();
    expect(
      await new Promise<Error | undefined>((r) =>
        aedes!.publish(packet(SINK), (e) => {
          answers++;
          r(e);
        }),
      ),
    ).toBeUndefined();
    expect(await send("dev/locker-1/cmd/open", null)).toBeFalsy();
    expect(await send("$SYS/other", null)).toBeFalsy();
    expect(seen).toEqual(["dev/locker-1/cmd/open", "$SYS/other"]);
    expect(published).toEqual(["dev/locker-1/cmd/open", "$SYS/other"]);
    await new Promise((r) => setImmediate(r));
    expect(answers).toBe(4); // each publish answered once
  });
});
