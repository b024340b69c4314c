import { describe, expect, it } from "vitest";
import type { CommittedRow } from "../../../src/pipeline/ingest.js";
import { testIngest } from "../../helpers/ingest.js";
import { useTempDb } from "../../helpers/temp-db.js";

const store = useTempDb();
const count = () => store.db.prepare("SELECT count(*) FROM events").pluck().get() as number;
const turn = () => new Promise((r) => setImmediate(r));

/** The checkpointer's catch-up holds ingest's commits (src/store/checkpointer.ts). */
describe("ingest hold", () => {
  const make = (committed: CommittedRow[][]) => testIngest(store.db, committed);

  it("accepts while held, commits nothing, then commits it all at once when released", async () => {
    const committed: CommittedRow[][] = [];
    const ing = make(committed);
    const release = ing.hold();
    const accepted = Array.from({ length: 20 }, (_, i) =>
      ing.emit({ device: "d", type: "t.x", data: { i } }),
    );
    let answered = 0;
    for (const p of accepted) p.then(() => answered++);
    for (let i = 0; i < 5; i++) await turn();
    expect(count()).toBe(0);
    expect(answered).toBe(0);
    expect(ing.uncommitted).toBe(20);
    release();
    const acc = await Promise.all(accepted);
    expect(count()).toBe(20);
    expect(committed).toHaveLength(1);
    expect(acc.map((a) => a.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    release(); // a second call changes nothing: a hold taken now still holds
    const again = ing.hold();
    const later = ing.emit({ device: "d", type: "t.x", data: {} });
    for (let i = 0; i < 5; i++) await turn();
    expect(count()).toBe(20);
    again();
    expect((await later).seq).toBe(21);
  });

  it("waits for every hold; shutdown commits whatever holds", async () => {
    const ing = make([]);
    const a = ing.hold();
    const b = ing.hold();
    const p = ing.emit({ device: "d", type: "t.x", data: {} });
    a();
    for (let i = 0; i < 5; i++) await turn();
    expect(count()).toBe(0);
    const q = ing.emit({ device: "d", type: "t.x", data: {} });
    await ing.close(); // b never released
    expect((await p).seq).toBe(1);
    expect((await q).seq).toBe(2);
    expect(count()).toBe(2);
    b();
  });
});
