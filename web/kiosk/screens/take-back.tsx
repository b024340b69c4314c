/**
 * Emergency supply (issue 11): a signed-in volunteer takes bundles back out of the lockers
 * (docs/emergency.md, "Taking a bundle back"). The list comes from the volunteer's view
 * (`GET /kiosk/{t}/distribution`, `retrieve`): each bundle with its door and why it must come out
 * (a recalled product, a product past its date, its round closed). A tap opens that door
 * (`POST …/distribution/retrieve`, never repeated by the page); the screen then shows the door
 * number big and follows the door through the terminal's door notices (the kiosk status's
 * `collect`, as a resident's collection does): open, done (the bundle is out), still inside, or
 * the door did not open. Outside emergency mode volunteers reach this screen from the start
 * screen while something waits to be taken back.
 */
import { useEffect, useState } from "preact/hooks";
import { type Failure, failureOf } from "../failures.js";
import { type Key, useT } from "../i18n.js";
import type { CollectView } from "../kiosk-api.js";
import { Message } from "../notice.js";
import { distributionApi, type RetrieveEntry } from "./distribution.js";
import { DoorNumber } from "./door-number.js";

/** The door of the bundle being taken back: `since` is the last door notice seen before the tap. */
interface TakingBack {
  bundleId: string;
  compartment: string;
  since: number;
  status: "opening" | CollectView["status"];
}

/** At most this many bundles on the panel at once (big buttons; the rest follow as these go). */
const SHOWN = 5;

const WHY: Record<string, Key> = {
  recalled: "takeback.why.recalled",
  expired: "takeback.why.expired",
  unclaimed: "takeback.why.unclaimed",
};

const HEADING: Record<TakingBack["status"], Key> = {
  opening: "takeback.open.heading",
  open: "takeback.open.heading",
  done: "takeback.done.heading",
  not_removed: "pickup.closed.heading",
  jammed: "pickup.jammed.heading",
};

export function TakeBack(props: {
  terminal: string;
  /** emergency mode: the volunteer may go back to loading bundles */
  emergency: boolean;
  /** the terminal's last door notice (the kiosk status's `collect`), or null */
  notice: CollectView | null;
  /** a bundle whose door this page opens: its door notices are this screen's, not a collection's */
  onTaking(bundleId: string): void;
  onLoad(): void;
  onFinish(): void;
  onFatal(err: unknown): boolean;
}) {
  const { t, lang } = useT();
  const [dapi] = useState(() => distributionApi(props.terminal));
  const [list, setList] = useState<RetrieveEntry[] | undefined>();
  const [door, setDoor] = useState<TakingBack | undefined>();
  const [failure, setFailure] = useState<Failure | undefined>();
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    let stop = false;
    const poll = () =>
      dapi.status().then(
        (s) => !stop && setList(s.retrieve ?? []),
        (err) => !stop && props.onFatal(err),
      );
    poll();
    const timer = setInterval(poll, 1000);
    return () => {
      stop = true;
      clearInterval(timer);
    };
  }, [dapi]);

  // follow the door: a notice for this bundle newer than the tap
  const n = props.notice;
  useEffect(() => {
    if (!door || !n || n.parcelId !== door.bundleId || n.seq <= door.since || n.status === door.status)
      return;
    setDoor({ ...door, status: n.status });
  }, [n?.seq, door]);

  const take = async (e: RetrieveEntry) => {
    setBusy(true);
    setFailure(undefined);
    const since = props.notice?.seq ?? 0;
    props.onTaking(e.bundleId);
    try {
      const r = await dapi.retrieve(e.bundleId);
      setDoor({
        bundleId: r.bundleId,
        compartment: r.compartment,
        since,
        status: r.door === "already_open" ? "open" : "opening",
      });
    } catch (err) {
      if (!props.onFatal(err)) setFailure(failureOf(err, lang, "retrieve", props.terminal));
    } finally {
      setBusy(false);
    }
  };
  const finish = () => {
    dapi.end().catch(props.onFatal);
    props.onFinish();
  };
  const bottom = (
    <div class="row">
      {door && door.status !== "open" && door.status !== "opening" && (
        <button type="button" class="primary" onClick={() => setDoor(undefined)} data-testid="takeback-list">
          {t("takeback.back")}
        </button>
      )}
      {!door && props.emergency && (
        <button type="button" class="secondary" onClick={props.onLoad} data-testid="takeback-load">
          {t("takeback.load")}
        </button>
      )}
      <button type="button" class="secondary" onClick={finish} data-testid="finish">
        {t("distribution.finish")}
      </button>
    </div>
  );

  if (door) {
    const params = { bundle: door.bundleId };
    return (
      <section
        class="door-screen take-back"
        aria-labelledby="takeback-heading"
        data-testid="screen-takeback-door"
      >
        <h1 id="takeback-heading">{t(HEADING[door.status])}</h1>
        <DoorNumber compartment={door.compartment} />
        {door.status === "opening" && <p class="instruction">{t("takeback.opening", params)}</p>}
        {door.status === "open" && <p class="instruction">{t("takeback.open.body", params)}</p>}
        {door.status === "done" && (
          <Message tone="ok" k="takeback.done" params={params} testid="takeback-done" />
        )}
        {door.status === "not_removed" && (
          <Message tone="warn" k="takeback.notRemoved" params={params} testid="takeback-not-removed" />
        )}
        {door.status === "jammed" && <Message tone="error" k="takeback.jammed" testid="takeback-jammed" />}
        {bottom}
      </section>
    );
  }

  const items = list ?? [];
  return (
    <section class="deposit take-back" aria-labelledby="takeback-heading" data-testid="screen-takeback">
      <h1 id="takeback-heading">{t("takeback.heading")}</h1>
      {failure && <Message tone="error" k={failure.key} params={failure.params} testid="failure" />}
      {list !== undefined && items.length === 0 && <p class="hint">{t("takeback.empty")}</p>}
      {items.length > 0 && (
        <>
          <p class="hint">{t("takeback.hint")}</p>
          <ul class="takeback-list" aria-labelledby="takeback-heading" data-testid="takeback-items">
            {items.slice(0, SHOWN).map((e) => (
              <li key={e.bundleId}>
                <button
                  type="button"
                  class="primary takeback-item"
                  disabled={busy}
                  onClick={() => take(e)}
                  data-testid={`takeback-${e.bundleId}`}
                >
                  {t("takeback.item", {
                    bundle: e.bundleId,
                    door: e.compartment,
                    why: t(WHY[e.reason] ?? "takeback.why.other"),
                  })}
                </button>
              </li>
            ))}
          </ul>
          {items.length > SHOWN && <p class="hint">{t("takeback.more", { n: items.length - SHOWN })}</p>}
        </>
      )}
      {bottom}
    </section>
  );
}
