import { afterEach, describe, expect, it } from "vitest";
import { DEVICE, depositParcel, type Fixture, lastSeq, lockerFixture, ref, typesSince } from "./fixture.js";

describe("door truth without a pulse", () => {
  let f: Fixture;
  afterEach(() => f.cleanup());

  it("a door opening with no pulse is door.forced; open past doorLeftOpenSeconds is door.left_open, once per opening", async () => {
    f = await lockerFixture();
    const { parcelId, at } = await depositParcel(f, { barcode: "PKG-F1", size: "S" });
    f.clock.advance(60_000);
    const seq = lastSeq(f);

    await f.port.forceOpen(at);
    expect(typesSince(f, seq)).toEqual(["door.opened", "door.forced"]);
    expect(f.sink.events("door.opened").at(-1)?.data).toMatchObject({
      expected: false,
      purpose: null,
      parcelId,
    });
    expect(f.sink.events("door.forced")[0]?.data).toMatchObject({
      device: DEVICE,
      compartment: at.compartment,
      parcelId,
    });
    // Forcing the door does not hand the parcel over.
    expect(f.svc.parcel(parcelId)?.state).toBe("stored");

    f.clock.advance(119_000);
    await f.svc.sweep();
    expect(f.sink.events("door.left_open")).toHaveLength(0);
    f.clock.advance(1_000);
    await f.svc.sweep();
    f.clock.advance(60_000);
    await f.svc.sweep();
    const left = f.sink.events("door.left_open");
    expect(left).toHaveLength(1);
    expect(left[0]?.data).toMatchObject({ compartment: at.compartment, openSeconds: 120, parcelId });
    expect(f.svc.stateDocument(DEVICE)).toMatchObject({ doorsOpen: [at.compartment] });

    await f.port.close(at);
    await f.port.settle();
    expect(f.sink.events("door.closed").at(-1)?.data).toMatchObject({ openSeconds: 180 });
    expect(f.svc.parcel(parcelId)?.state).toBe("stored");

    // A new opening is a new chance to be left open.
    await f.port.forceOpen(ref("A05"));
    f.clock.advance(121_000);
    await f.svc.sweep();
    expect(f.sink.events("door.forced")).toHaveLength(2);
    expect(f.sink.events("door.left_open").map((e) => e.data.compartment)).toEqual([at.compartment, "A05"]);
  });

  it("an opening within doorOpenTimeoutSeconds of a pulse is expected; later it is forced", async () => {
    f = await lockerFixture();
    f.port.autoOpen = false;
    await f.svc.remoteOpen(ref("A04"), "test");
    f.clock.advance(9_000);
    await f.port.pullOpen(ref("A04"));
    await f.port.close(ref("A04"));
    f.clock.advance(30_000);
    await f.port.forceOpen(ref("A04"));
    await f.port.settle();
    expect(f.sink.events("door.opened").map((e) => e.data.expected)).toEqual([true, false]);
    expect(f.sink.events("door.forced")).toHaveLength(1);
    expect(f.sink.events("door.jammed")).toHaveLength(0);
  });

  it("the first reading of a door never reported before is not called forced", async () => {
    f = await lockerFixture({ initialPoll: false });
    await f.port.forceOpen(ref("A02"));
    expect(f.sink.events("door.opened")[0]?.data).toMatchObject({ initial: true, expected: false });
    expect(f.sink.events("door.forced")).toHaveLength(0);
  });
});
