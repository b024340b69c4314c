/**
 * Issue 7 for the lockboard-xor family, over a REAL serial line (socat PTY pair, the demo bank on
 * boards 1 and 2): opens counted on the simulator's side (the frames the boards received).
 *
 *  - A board answering an open with its 0x80 status frame (S1: "passive feedback starts with 8A or
 *    80"): a deposit goes through, one pulse.
 *  - A board whose answer to the open is lost (the door did open): one pulse, no retry, the board
 *    is read, the deposit completes.
 *  - A board that goes silent on hearing the open: one pulse, 503 QH_LOCKER_UNREACHABLE, and no
 *    other door is pulsed.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { LockboardMessage } from "../../../src/protocols/lockboard-xor/index.js";
import { waitUntil } from "../../helpers/upstream.js";
import { boardLock, PTY_COURIER, type SessionView, startPtyLockerSite } from "./support.js";

type Site = Awaited<ReturnType<typeof startPtyLockerSite>>;

describe("an XOR lock board over a real serial line", () => {
  let pty: Site | undefined;
  afterEach(async () => {
    await pty?.close();
    pty = undefined;
  });

  async function site() {
    pty = await startPtyLockerSite();
    const opens: string[] = [];
    pty.boards.on("rx", (r) => {
      const m = r.ok ? (r.msg as LockboardMessage) : undefined;
      if (m?.kind === "openLock") opens.push(`${m.board}/${m.lock}`);
    });
    return { s: pty.site, boards: pty.boards, opens };
  }

  const deposit = async (s: Site["site"], barcode: string) => {
    expect((await s.kiosk("deposit", { courierCode: PTY_COURIER.code })).status).toBe(200);
    expect((await s.kiosk("deposit/barcode", { barcode })).status).toBe(200);
    return s.kiosk<SessionView>("deposit/size", { size: "M" });
  };

  for (const how of ["answered with its 0x80 status", "whose answer is lost"] as const) {
    it(`${how}: one pulse, no retry, a completed deposit`, async () => {
      const { s, boards, opens } = await site();
      if (how === "answered with its 0x80 status") boards.openReply = "lockStatus";
      else
        boards.on("rx", (r) => {
          const m = r.ok ? (r.msg as LockboardMessage) : undefined;
          if (m?.kind === "openLock") boards.loseReplies(m.board, 1);
        });
      const chosen = await deposit(s, `PKG-X-${opens.length}-${how.length}`);
      expect(chosen.status, JSON.stringify(chosen.body)).toBe(200);
      const { parcelId, compartment } = chosen.body as Required<SessionView>;
      await waitUntil(async () => (await s.session()).step === "open", 20_000, "door open");
      boards.closeDoor(...boardLock(compartment));
      await waitUntil(async () => (await s.session()).last?.parcelId === parcelId, 20_000, "deposited");
      expect((await s.session()).last?.outcome).toBe("deposited");
      expect(opens).toEqual([boardLock(compartment).join("/")]);
      expect(s.eventsOfType("door.jammed")).toHaveLength(0);
    });
  }

  it("that goes silent on hearing the open: one pulse, unreachable, no other door", async () => {
    const { s, boards, opens } = await site();
    const opened: string[] = [];
    boards.on("doorOpened", (e) => opened.push(`${e.board}/${e.lock}`));
    boards.on("rx", (r) => {
      const m = r.ok ? (r.msg as LockboardMessage) : undefined;
      if (m?.kind === "openLock") boards.kill(m.board);
    });
    const refused = await deposit(s, "PKG-X-DEAD");
    expect(refused).toMatchObject({ status: 503, body: { error: { code: "QH_LOCKER_UNREACHABLE" } } });
    expect(opens).toHaveLength(1);
    expect(opened).toEqual([]);
    expect(await s.session()).toMatchObject({ step: "size", last: { reason: "unreachable" } });
    const failed = await s.waitForEvent("parcel.deposit_failed");
    expect(failed.data.reason).toBe("unreachable");
    expect(opens).toHaveLength(1);
  });
});
