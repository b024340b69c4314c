/**
 * Emergency supply (issue 11): volunteers load a distribution round's bundles. After sign-in
 * (a volunteer's code, checked by the gateway), each label scanned at the scanner or typed here
 * opens the door that suits the bundle: its number as big as the screen allows while it opens and
 * is open; "loaded" once the door shuts; a bundle that fits no free door now joins the queue shown
 * below (scan it again once a door is emptied). The page polls the volunteer's session, so a
 * label scanned at the scanner moves the screen on too; a pack's GS1 label scanned while the door
 * is assigned or open is told as on the courier's deposit screen (lot-notice.tsx). Residents collect at the usual code entry.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import { ApiError, api } from "../../shared/api.js";
import { type Failure, failureOf } from "../failures.js";
import { useT } from "../i18n.js";
import type { LotScanNotice } from "../kiosk-api.js";
import { LotNotice } from "../lot-notice.js";
import { Message } from "../notice.js";
import { DoorNumber } from "./door-number.js";

export interface LoadingView {
  terminal: string;
  volunteer: string;
  step: "scan" | "opening" | "open";
  bundleId?: string;
  compartment?: string;
  loaded: number;
  last?: { outcome: string; bundleId: string; compartment?: string };
}

export interface DistributionStatus {
  mode: string;
  session: LoadingView | null;
  queue: { bundleId: string; size: string | null; zone: string }[];
  /** the last pack label scanned at this terminal's scanner (src/extensions/bundle-lot-scan.ts) */
  lot?: LotScanNotice | null;
  /** the last label refused at this terminal's scanner (src/extensions/label-refusal.ts) */
  scanRefused?: ScanRefusal | null;
  /** bundles in the lockers a volunteer may take back now (screens/take-back.tsx) */
  retrieve?: RetrieveEntry[];
}

/** A bundle to take back: why (`recalled`, `expired`, `unclaimed`) and behind which door. */
export interface RetrieveEntry {
  bundleId: string;
  roundId: string;
  device: string;
  compartment: string;
  reason: string;
}

/** `POST …/distribution/retrieve`'s answer: the door is pulsed, or was already open. */
export interface RetrieveAnswer {
  bundleId: string;
  device: string;
  compartment: string;
  door: "pulsed" | "already_open";
  reason: string;
}

/** A label refused at the scanner: worded on the page by its code, as a typed label's refusal. */
export interface ScanRefusal {
  seq: number;
  label: string;
  code: string;
  message: string;
  details?: Record<string, unknown>;
}

/** The distribution routes of one terminal (docs/emergency.md, "Distribution rounds"). */
export function distributionApi(terminal: string) {
  const base = `/api/v1/kiosk/${encodeURIComponent(terminal)}/distribution`;
  return {
    status: () => api<DistributionStatus>("GET", base),
    volunteer: (code: string) => api<LoadingView>("POST", `${base}/volunteer`, { code }),
    label: (label: string) => api<LoadingView>("POST", `${base}/label`, { label }),
    retrieve: (bundleId: string) => api<RetrieveAnswer>("POST", `${base}/retrieve`, { bundleId }),
    end: () => api<void>("DELETE", base),
  };
}

/**
 * The start screen's third choice: in emergency mode, volunteers load bundles; outside it, shown
 * only while `takeBack` bundles wait to be taken back out of the lockers (volunteers may sign in
 * for that then).
 */
export function VolunteerChoice(props: { onClick(): void; takeBack?: number }) {
  const { t } = useT();
  const back = props.takeBack !== undefined;
  return (
    <div class="choices volunteer-choice">
      <button type="button" class="primary choice" onClick={props.onClick} data-testid="home-volunteer">
        <span class="choice-main">{t(back ? "takeback.home" : "distribution.home")}</span>
        <span class="choice-sub">
          {back ? t("takeback.home.sub", { n: props.takeBack ?? 0 }) : t("distribution.home.sub")}
        </span>
      </button>
    </div>
  );
}

export function Loading(props: {
  terminal: string;
  onFinish(): void;
  /** to the take-back screen (shown while some bundle may be taken back) */
  onTakeBack(): void;
  onFatal(err: unknown): boolean;
}) {
  const { t, lang } = useT();
  const [dapi] = useState(() => distributionApi(props.terminal));
  const [status, setStatus] = useState<DistributionStatus | undefined>();
  const [failure, setFailure] = useState<Failure | undefined>();
  const [busy, setBusy] = useState(false);
  const [label, setLabel] = useState("");
  // the label refused at the scanner now shown, and the last refusal's seq seen (the first poll's
  // one is from before this screen: not shown)
  const [scanned, setScanned] = useState<string | undefined>();
  const seen = useRef<number | undefined>(undefined);
  const lastOutcome = useRef<string | undefined>(undefined);

  useEffect(() => {
    let stop = false;
    const apply = (s: DistributionStatus) => {
      setStatus(s);
      const r = s.scanRefused;
      const first = seen.current === undefined;
      const outcome = JSON.stringify([s.session?.step, s.session?.last]);
      if (r && !first && r.seq > (seen.current ?? 0)) {
        setScanned(r.label);
        setFailure(failureOf(new ApiError(409, r.code, r.message, undefined, r.details), lang, "deposit"));
      } else if (!first && outcome !== lastOutcome.current) {
        // the session moved on (a label scanned or typed was taken): the refusal is old news
        setScanned(undefined);
        setFailure(undefined);
      }
      seen.current = r?.seq ?? seen.current ?? 0;
      lastOutcome.current = outcome;
    };
    const poll = () =>
      dapi.status().then(
        (s) => !stop && apply(s),
        (err) => !stop && props.onFatal(err),
      );
    poll();
    const timer = setInterval(poll, 1000);
    return () => {
      stop = true;
      clearInterval(timer);
    };
  }, [dapi]);

  const v = status?.session;
  const queue = status?.queue ?? [];
  const toTakeBack = status?.retrieve?.length ?? 0;
  const send = async () => {
    if (!label.trim()) return;
    setBusy(true);
    setFailure(undefined);
    setScanned(undefined);
    try {
      const next = await dapi.label(label.trim());
      setStatus((s) => (s ? { ...s, session: next } : s));
      setLabel("");
    } catch (err) {
      if (!props.onFatal(err)) setFailure(failureOf(err, lang, "deposit"));
    } finally {
      setBusy(false);
    }
  };
  const finish = () => {
    dapi.end().catch(props.onFatal);
    props.onFinish();
  };
  const last = v?.last;
  const door = v && v.step !== "scan" && v.compartment;

  return (
    <section class="deposit loading" aria-labelledby="loading-heading" data-testid="screen-loading">
      <h1 id="loading-heading">{t(door ? "distribution.open.heading" : "distribution.scan.heading")}</h1>
      {door && <DoorNumber compartment={door} />}
      {door && (
        <p class="instruction">
          {t(v.step === "open" ? "distribution.open.body" : "distribution.opening", {
            bundle: v.bundleId ?? "",
          })}
        </p>
      )}
      {door && status?.lot && status.lot.bundleId === v.bundleId && (
        <LotNotice key={status.lot.seq} notice={status.lot} />
      )}
      {last?.outcome === "loaded" && !door && (
        <Message
          tone="ok"
          k="distribution.loaded"
          params={{ bundle: last.bundleId, door: last.compartment ?? "?" }}
          testid="loaded"
        />
      )}
      {last?.outcome === "queued" && (
        <Message tone="warn" k="distribution.queued" params={{ bundle: last.bundleId }} testid="queued" />
      )}
      {last?.outcome === "moved_after_jam" && door && (
        <Message
          tone="warn"
          k="distribution.moved"
          params={{ from: last.compartment ?? "?", to: door }}
          testid="door-moved"
        />
      )}
      {last?.outcome === "closed_empty" && !door && (
        <Message tone="warn" k="distribution.closedEmpty" params={{ bundle: last.bundleId }} />
      )}
      {last?.outcome === "round_closed" && !door && (
        <Message tone="warn" k="distribution.roundClosed" params={{ bundle: last.bundleId }} />
      )}
      {failure && scanned !== undefined && (
        <p class="hint" data-testid="scan-refused">
          {t("distribution.scanRefused", { label: scanned })}
        </p>
      )}
      {failure && <Message tone="error" k={failure.key} params={failure.params} testid="failure" />}
      {!door && (
        <>
          <p class="hint">{t("distribution.scan.hint")}</p>
          <form
            class="barcode"
            onSubmit={(e) => {
              e.preventDefault();
              send();
            }}
          >
            <label for="label-input">{t("distribution.scan.label")}</label>
            <input
              id="label-input"
              data-testid="label-input"
              value={label}
              autocomplete="off"
              onInput={(e) => setLabel((e.target as HTMLInputElement).value)}
            />
            <button type="submit" class="primary" disabled={busy || !label.trim()} data-testid="label-submit">
              {t("distribution.scan.submit")}
            </button>
          </form>
        </>
      )}
      <h2 id="queue-heading">{t("distribution.queue.heading", { n: queue.length })}</h2>
      {/* while a door is open the heading's count is enough: the door, its words and Finish stay on the panel */}
      {door ? null : queue.length === 0 ? (
        <p class="hint">{t("distribution.queue.empty")}</p>
      ) : (
        <ul class="queue queue-inline" aria-labelledby="queue-heading" data-testid="queue">
          {queue.slice(0, 6).map((q) => (
            <li key={q.bundleId}>
              {q.bundleId} · {q.size ?? "—"} ·{" "}
              {t(`distribution.zone.${q.zone}` as "distribution.zone.ambient")}
            </li>
          ))}
        </ul>
      )}
      <div class="row">
        {v && v.loaded > 0 && <p class="count">{t("distribution.count", { n: v.loaded })}</p>}
        {!door && toTakeBack > 0 && (
          <button type="button" class="secondary" onClick={props.onTakeBack} data-testid="to-takeback">
            {t("takeback.open", { n: toTakeBack })}
          </button>
        )}
        <button type="button" class="secondary" onClick={finish} data-testid="finish">
          {t("distribution.finish")}
        </button>
      </div>
    </section>
  );
}
