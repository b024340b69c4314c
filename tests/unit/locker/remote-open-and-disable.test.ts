import { afterEach, describe, expect, it } from "vitest";
import {
  COURIER,
  command,
  DEVICE,
  depositParcel,
  type Fixture,
  LAYOUT,
  lastSeq,
  lockerFixture,
  ref,
  typesSince,
} from "./fixture.js";

describe("remote commands from customer service", () => {
  let f: Fixture;
  afterEach(() => f.cleanup());

  it("locker.open emits door.remote_open_requested, pulses, and the door reports the truth", async () => {
    f = await lockerFixture();
    const handler = f.svc.commands()["locker.open"];
    expect(handler).toBeDefined();
    const res = await handler?.(
      { device: DEVICE, compartment: "A02", reason: "resident lost code" },
      { id: "cmd-open-1" },
    );
    expect(res).toEqual({ device: DEVICE, compartment: "A02", door: "pulsed" });
    expect(f.sink.types()).toEqual(["door.remote_open_requested"]);
    expect(f.sink.events("door.remote_open_requested")[0]?.data).toMatchObject({
      device: DEVICE,
      compartment: "A02",
      reason: "resident lost code",
      commandId: "cmd-open-1",
    });
    await f.port.settle();
    expect(f.sink.events("door.opened")[0]?.data).toMatchObject({ expected: true, purpose: "remote" });
    expect(f.sink.events("door.forced")).toHaveLength(0);

    // The same command again does not pulse the door a second time; neither does a new one while it is open.
    expect(
      await handler?.({ device: DEVICE, compartment: "A02", reason: "again" }, { id: "cmd-open-1" }),
    ).toMatchObject({
      door: "duplicate",
    });
    expect(
      await handler?.({ device: DEVICE, compartment: "A02", reason: "again" }, { id: "cmd-open-2" }),
    ).toMatchObject({
      door: "already_open",
    });
    expect(f.port.pulseCount(ref("A02"))).toBe(1);
    expect(f.sink.events("door.already_open")).toHaveLength(1);
    await f.port.close(ref("A02"));
    await f.port.settle();
    expect(f.sink.events("door.closed")).toHaveLength(1);

    // The command's device stands in for a missing args.device.
    expect(await command(f, "locker.open", { compartment: "A03", reason: "test" }, DEVICE)).toMatchObject({
      compartment: "A03",
      door: "pulsed",
    });
  });

  it("validates args and refuses unknown compartments, naming every problem at once", async () => {
    f = await lockerFixture();
    await expect(
      command(f, "locker.open", { device: DEVICE, compartment: "Z99", reason: "x" }),
    ).rejects.toMatchObject({
      code: "QH_COMMAND_INVALID",
      message: `args.compartment: no compartment Z99 in ${DEVICE}`,
    });
    await expect(command(f, "locker.open", { device: DEVICE, compartment: "A01" })).rejects.toMatchObject({
      code: "QH_COMMAND_INVALID",
      message: "args.reason: is required",
    });
    // an unknown compartment and a missing reason: both named, not just the first
    await expect(command(f, "locker.open", { compartment: "Z99" })).rejects.toMatchObject({
      code: "QH_COMMAND_INVALID",
      details: {
        problems: [`args.compartment: no compartment Z99 in ${DEVICE}`, "args.reason: is required"],
      },
    });
    await expect(
      command(f, "compartment.disable", { device: "nope", compartment: "A01" }),
    ).rejects.toMatchObject({
      code: "QH_COMMAND_INVALID",
      message: expect.stringContaining("args.device: must be a locker bank of this site"),
    });
    await expect(command(f, "compartment.enable", { compartment: 7 })).rejects.toMatchObject({
      code: "QH_COMMAND_INVALID",
    });
    await expect(command(f, "parcel.cancel", { force: "yes" })).rejects.toMatchObject({
      code: "QH_COMMAND_INVALID",
      details: { problems: ["args.force: must be a boolean", "args.parcelId: is required"] },
    });
    await expect(command(f, "parcel.cancel", { parcelId: "nope" })).rejects.toMatchObject({
      code: "QH_LOCKER_PARCEL_UNKNOWN",
    });
    await expect(
      command(f, "courier.codes.set", { couriers: [{ id: "x", code: "1" }] }),
    ).rejects.toMatchObject({
      code: "QH_COMMAND_INVALID",
    });
    expect(f.port.pulses).toEqual([]);
    expect(f.sink.events()).toEqual([]);
  });

  it("locker.open without args.device opens the compartment of a single-bank site", async () => {
    f = await lockerFixture();
    const res = await command(f, "locker.open", { compartment: "A02", reason: "resident at the door" });
    expect(res).toMatchObject({ device: DEVICE, compartment: "A02", door: "pulsed" });
    expect(f.port.pulses).toHaveLength(1);
  });

  it("locker.open without a device on a site with two banks names the banks to choose from", async () => {
    f = await lockerFixture({
      layout: [
        ...LAYOUT,
        {
          device: "locker-b",
          compartments: [{ id: "B01", size: "S", zone: "ambient", sensors: { door: true, presence: true } }],
        },
      ],
    });
    await expect(command(f, "locker.open", { compartment: "A02", reason: "x" })).rejects.toMatchObject({
      code: "QH_COMMAND_INVALID",
      message: `args.device: is required on a site with 2 locker banks (${DEVICE}, locker-b)`,
    });
    expect(f.port.pulses).toEqual([]);
  });

  it("compartment.disable takes a compartment out of service until compartment.enable", async () => {
    f = await lockerFixture();
    const res = await command(f, "compartment.disable", {
      device: DEVICE,
      compartment: "A01",
      reason: "hinge broken",
    });
    expect(res).toMatchObject({ state: "out_of_service", changed: true });
    expect(f.sink.events("compartment.disabled")[0]?.data).toMatchObject({
      compartment: "A01",
      reason: "hinge broken",
    });
    expect(f.svc.compartment(ref("A01"))).toMatchObject({
      state: "out_of_service",
      reason: "disabled",
      note: "hinge broken",
    });
    expect(await command(f, "compartment.disable", { device: DEVICE, compartment: "A01" })).toMatchObject({
      changed: false,
    });
    expect(f.svc.stateDocument(DEVICE)).toMatchObject({
      compartments: { out_of_service: 1, free: 5 },
      outOfService: [
        expect.objectContaining({ compartment: "A01", reason: "disabled", note: "hinge broken" }),
      ],
    });

    // A disabled compartment is not offered.
    await f.svc.startDeposit("kiosk-1", COURIER.code);
    f.svc.scanBarcode("kiosk-1", "PKG-D1");
    expect((await f.svc.chooseSize("kiosk-1", "S")).compartment).toBe("A02");
    await f.port.settle();
    await f.port.putParcel(ref("A02"));
    await f.port.close(ref("A02"));
    await f.port.settle();

    const seq = lastSeq(f);
    expect(await command(f, "compartment.enable", { device: DEVICE, compartment: "A01" })).toMatchObject({
      state: "free",
      changed: true,
    });
    expect(typesSince(f, seq)).toEqual(["compartment.enabled"]);
    expect(f.sink.events("compartment.enabled")[0]?.data).toMatchObject({
      previousReason: "disabled",
      state: "free",
    });
    f.svc.scanBarcode("kiosk-1", "PKG-D2");
    expect((await f.svc.chooseSize("kiosk-1", "S")).compartment).toBe("A01");
    await f.port.settle();
    await f.port.putParcel(ref("A01"));
    await f.port.close(ref("A01"));
    await f.port.settle();

    // A sensor the driver cannot trust takes the compartment out of service too; enable brings it
    // back to what its contents say (occupied here).
    await f.svc.markSensorFault(ref("A01"), "presence flickers");
    expect(f.svc.compartment(ref("A01"))).toMatchObject({ state: "out_of_service", reason: "sensor_fault" });
    expect(f.sink.events("compartment.sensor_fault")[0]?.data).toMatchObject({ note: "presence flickers" });
    expect(await command(f, "compartment.enable", { device: DEVICE, compartment: "A01" })).toMatchObject({
      state: "occupied",
    });
  });

  it("parcel.cancel recalls a deposited parcel for the courier (code revoked), or frees it with force", async () => {
    f = await lockerFixture();
    const a = await depositParcel(f, { barcode: "PKG-C1", size: "S" });
    const b = await depositParcel(f, { barcode: "PKG-C2", size: "S" });
    expect(await command(f, "parcel.cancel", { parcelId: a.parcelId })).toMatchObject({
      state: "overdue",
      recalled: true,
    });
    expect(f.sink.events("parcel.cancelled")[0]?.data).toMatchObject({
      parcelId: a.parcelId,
      inCompartment: true,
    });
    await expect(f.svc.pickup("kiosk-2", a.code)).rejects.toMatchObject({ code: "QH_LOCKER_CODE_WRONG" });
    const r = await f.svc.retrieve("kiosk-1", COURIER.code);
    expect(r.opened.map((o) => o.parcelId)).toEqual([a.parcelId]);
    await f.port.settle();
    await f.port.takeParcel(a.at);
    await f.port.close(a.at);
    await f.port.settle();
    expect(f.sink.events("parcel.retrieved")[0]?.data).toMatchObject({
      parcelId: a.parcelId,
      recalled: true,
    });

    expect(await command(f, "parcel.cancel", { parcelId: b.parcelId, force: true })).toMatchObject({
      state: "cancelled",
    });
    expect(f.svc.compartment(b.at).state).toBe("free");
    expect(await command(f, "parcel.cancel", { parcelId: b.parcelId })).toMatchObject({ changed: false });
  });
});
