/**
 * Issue 7 for vending: an approval moves something (the machine dispenses), so it is written once
 * and never re-sent, even when the bridge's `c,OK` to it is lost on the wire. Over a PTY pair: the
 * bridge hears the approval, dispenses, and its answer is dropped; what the bridge heard is counted
 * on its side. The gateway's next command only goes out once the approval's wait has ended (one
 * command at a time), so by then any re-send would have been heard.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type BridgeCommand, createBridgeDecoder } from "../../../src/protocols/mdb-bridge-text/index.js";
import type { Outgoing } from "../../../src/sim/types.js";
import { type Rig, vendingRig } from "./support.js";

describe("an approval whose answer is lost", () => {
  let rig: Rig;
  beforeEach(async () => {
    rig = await vendingRig();
    await rig.waitState("ENABLED");
  });
  afterEach(() => rig.close());

  it("is written once, never re-sent; the machine's outcome completes the vend", async () => {
    // the bridge's side of the line: count the approvals it hears; drop its first c,OK to one
    const heard = createBridgeDecoder();
    const approvals: number[] = [];
    let dropped = 0;
    const handle = rig.sim.handle.bind(rig.sim);
    rig.sim.handle = (chunk: Buffer): Outgoing[] => {
      const cmds = heard
        .push(chunk)
        .flatMap((r) => (r.ok ? [r.msg as BridgeCommand] : []))
        .filter((c) => c.kind === "approve");
      const out = handle(chunk);
      if (cmds.length === 0) return out;
      approvals.push(...cmds.map((c) => (c as { amount: number }).amount));
      return out.filter((o) => {
        if (dropped > 0 || !o.data.toString("latin1").startsWith("c,OK")) return true;
        dropped++;
        return false;
      });
    };

    await rig.reader.beginSession({ credit: 500, paymentRef: "pay-lost-ok" });
    await rig.waitState("IDLE");
    expect(rig.sim.select(12)).toBe(true);
    const [completed] = await rig.waitFor("vend.completed");
    expect(completed?.data).toMatchObject({ slot: 12, price: 150, paymentRef: "pay-lost-ok" });
    expect(dropped).toBe(1);
    // queued behind the approval: answered only after the approval's wait has ended
    const status = await rig.driver.send({ kind: "status" });
    expect(status.kind).toBe("state");
    expect(approvals).toEqual([150]);
    expect(rig.sim.vends.filter((v) => v.item === 12)).toMatchObject([{ outcome: "dispensed" }]);
    expect(rig.sink.events("vend.completed")).toHaveLength(1);
  });
});
