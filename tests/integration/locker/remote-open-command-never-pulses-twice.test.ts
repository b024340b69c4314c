/**
 * Customer service opens a door from the platform (locker.open over R/cmd): the lock is pulsed
 * once, the sensor reports the door open, door.remote_open_requested and door.opened reach the
 * platform. The same command id again (a platform retry, a replayed message) is answered
 * `duplicate` and the door, shut in between, stays shut. A command past its expiresAt is answered
 * `expired` and nothing moves. A new command for a door that is already open is not pulsed either.
 *
 * "Not pulsed" is checked after the bus has run two more poll cycles past the answer: commands go
 * before polls on the line, so a pulse the command had queued would have reached the board first.
 */
import { afterEach, describe, expect, it } from "vitest";
import { waitUntil } from "../../helpers/upstream.js";
import { LOCKER, type LockerSite, startLockerSite } from "./support.js";

const inAMinute = () => new Date(Date.now() + 60_000).toISOString();

describe("locker.open from the platform", () => {
  let site: LockerSite | undefined;
  afterEach(async () => {
    await site?.close();
    site = undefined;
  });

  /** Two full poll cycles of both boards go over the line. */
  async function busMovesOn(s: LockerSite): Promise<void> {
    const sent = await s.metric("qh_bus_frames_sent_total", { bus: "bus-a" });
    expect(sent).toBeGreaterThan(0);
    await waitUntil(
      async () => (await s.metric("qh_bus_frames_sent_total", { bus: "bus-a" })) >= sent + 4,
      20_000,
      "two more poll cycles",
    );
  }

  it("opens the door once per command id, and never for an expired command", async () => {
    site = await startLockerSite();
    const s = site;
    const id = `cmd-open-${Date.now()}`;
    const cmd = {
      id,
      device: LOCKER,
      args: { compartment: "A05", reason: "resident locked out of the app" },
      expiresAt: inAMinute(),
    };

    const first = await s.command("locker.open", cmd);
    expect(first).toEqual({
      id,
      status: "ok",
      result: { device: LOCKER, compartment: "A05", door: "pulsed" },
    });
    await waitUntil(() => s.simDoorOpen(LOCKER, "A05"), 20_000, "door open");
    await waitUntil(async () => (await s.compartment(LOCKER, "A05")).doorOpen === true, 20_000, "seen open");
    const requested = await s.waitForEvent("door.remote_open_requested");
    expect(requested).toMatchObject({
      device: LOCKER,
      data: { device: LOCKER, compartment: "A05", reason: "resident locked out of the app", commandId: id },
    });
    const opened = await s.waitForEvent("door.opened", (e) => e.data.compartment === "A05");
    expect(opened.data).toMatchObject({ expected: true, purpose: "remote" });
    expect(opened.seq).toBeGreaterThan(requested.seq);

    // shut it, then the same command again
    await s.sim(LOCKER, "A05", "close");
    await waitUntil(async () => (await s.compartment(LOCKER, "A05")).doorOpen === false, 20_000, "shut");
    const again = await s.command("locker.open", { ...cmd, expiresAt: inAMinute() });
    expect(again).toMatchObject({
      id,
      status: "duplicate",
      result: { first: { status: "ok", result: { compartment: "A05", door: "pulsed" } } },
    });
    await busMovesOn(s);
    expect(await s.simDoorOpen(LOCKER, "A05")).toBe(false);
    expect((await s.compartment(LOCKER, "A05")).doorOpen).toBe(false);

    // expired: recorded, answered, not executed
    const late = `cmd-open-late-${Date.now()}`;
    const expired = await s.command("locker.open", {
      id: late,
      device: LOCKER,
      args: { compartment: "A06", reason: "queued during an outage" },
      expiresAt: new Date(Date.now() - 5_000).toISOString(),
    });
    expect(expired).toMatchObject({ id: late, status: "expired", error: { code: "QH_COMMAND_EXPIRED" } });
    await busMovesOn(s);
    expect(await s.simDoorOpen(LOCKER, "A06")).toBe(false);

    // a new command for a door that is open right now (pried open): not pulsed, reported already open
    const other = `cmd-open-other-${Date.now()}`;
    await s.sim(LOCKER, "A08", "force-open");
    await waitUntil(async () => (await s.compartment(LOCKER, "A08")).doorOpen === true, 20_000, "A08 open");
    const already = await s.command("locker.open", {
      id: other,
      device: LOCKER,
      args: { compartment: "A08", reason: "check the door" },
      expiresAt: inAMinute(),
    });
    expect(already).toMatchObject({ status: "ok", result: { compartment: "A08", door: "already_open" } });
    await s.sim(LOCKER, "A08", "close");

    await waitUntil(() => s.eventsOfType("door.closed").length === 2, 20_000, "second close at the platform");
    const got = await s.expectAllDelivered();
    expect(got.map((e) => `${e.type} ${e.data.compartment}`)).toEqual([
      "door.remote_open_requested A05",
      "door.opened A05",
      "door.closed A05",
      "door.opened A08",
      "door.forced A08",
      "door.remote_open_requested A08",
      "door.already_open A08",
      "door.closed A08",
    ]);
    const requests = got.filter((e) => e.type === "door.remote_open_requested");
    expect(requests.map((e) => e.data.commandId)).toEqual([id, other]);
    expect(got.some((e) => e.data.compartment === "A06")).toBe(false);
    expect(got.find((e) => e.type === "door.already_open")).toMatchObject({ data: { purpose: "remote" } });
  });
});
