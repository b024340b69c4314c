/**
 * Door test: POST /api/v1/locker/{bank}/door-test { locks?, openTimeoutS?, closeTimeoutS? } →
 * 202 { job, report }; each door's outcome appears as the gateway records it (ok, jammed, sensor
 * fault, no answer, with the times), then the commissioning report's downloads: JSON
 * (GET /api/v1/reports/{id}) and the printable page (GET /api/v1/reports/{id}.html).
 */
import { useState } from "preact/hooks";
import { api } from "../api";
import { ErrorNote, Field, ScreenTitle, Status, type Tone, useLoad, When } from "../components";
import { useT } from "../i18n";
import { useJob } from "../job";
import { JobPane } from "../job-table";
import { lockerBanks, type Site } from "../site";

interface DoorResult {
  lock: number;
  compartment?: string;
  detail?: string;
  outcome: "ok" | "jammed" | "sensor_fault" | "no_answer";
  openedAfterMs?: number;
  closedAfterMs?: number;
  at?: string;
}
const TONE: Record<DoorResult["outcome"], Tone> = {
  ok: "ok",
  jammed: "bad",
  sensor_fault: "warn",
  no_answer: "bad",
};

/** "1-4, 7" → [1, 2, 3, 4, 7]; "" → undefined (every door); a bad list → null. */
export function parseLocks(text: string): number[] | undefined | null {
  if (text.trim() === "") return undefined;
  const out: number[] = [];
  for (const part of text.split(/[,\s]+/).filter(Boolean)) {
    const m = /^(\d{1,3})(?:-(\d{1,3}))?$/.exec(part);
    if (!m) return null;
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    if (b < a) return null;
    for (let i = a; i <= b; i++) out.push(i);
  }
  return [...new Set(out)];
}

const secs = (ms?: number) => (ms === undefined ? "" : (ms / 1000).toFixed(1));

export function DoorTestScreen() {
  const { t } = useT();
  const site = useLoad(() => api<Site>("GET", "/site"));
  const banks = lockerBanks(site.data);
  const [bank, setBank] = useState("");
  const [locks, setLocks] = useState("");
  const [run, setRun] = useState<{ job: string; report: string } | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const { job, error: jobError } = useJob<DoorResult>(run?.job);
  const chosen = bank || banks[0] || "";
  const running = job?.state === "running";
  const parsed = parseLocks(locks);

  const start = async (e: Event) => {
    e.preventDefault();
    setError(undefined);
    if (parsed === null) return;
    try {
      const r = await api<{ job: string; report: string }>(
        "POST",
        `/locker/${encodeURIComponent(chosen)}/door-test`,
        parsed ? { locks: parsed } : {},
      );
      setRun(r);
    } catch (err) {
      setError(err);
    }
  };
  const cancel = () => run && api("DELETE", `/jobs/${encodeURIComponent(run.job)}`).catch(setError);
  const reportUrl = run ? `/api/v1/reports/${encodeURIComponent(run.report)}` : "";

  return (
    <section>
      <ScreenTitle>{t("door.title")}</ScreenTitle>
      <p>{t("door.intro")}</p>
      <ErrorNote error={site.error} />
      <form onSubmit={start} class="row">
        <Field id="f-door-bank" label={t("door.bank")}>
          <select id="f-door-bank" value={chosen} onChange={(e) => setBank(e.currentTarget.value)}>
            {banks.map((b) => (
              <option key={b} value={b}>
                {b}
              </option>
            ))}
          </select>
        </Field>
        <Field id="f-door-locks" label={t("door.locks")}>
          <input
            id="f-door-locks"
            value={locks}
            onInput={(e) => setLocks(e.currentTarget.value)}
            aria-describedby="locks-help"
            aria-invalid={parsed === null}
            inputMode="numeric"
          />
        </Field>
        <button type="submit" class="primary" disabled={!chosen || running || parsed === null}>
          {t("door.start")}
        </button>
        {running && (
          <button type="button" onClick={cancel}>
            {t("common.cancel")}
          </button>
        )}
      </form>
      <p id="locks-help" class="help">
        {parsed === null ? <Status tone="bad">{t("door.locksBad")}</Status> : t("door.locksHelp")}
      </p>
      <ErrorNote error={error ?? jobError} />
      {job && (
        <>
          <JobPane<DoorResult>
            job={job}
            progressId="door-progress"
            caption={t("door.results")}
            columns={[
              t("door.lock"),
              t("door.outcome"),
              t("door.opened"),
              t("door.closed"),
              t("door.at"),
              t("scan.detail"),
            ]}
            rowKey={(r) => r.lock}
            row={(r) => (
              <>
                <th scope="row">
                  {r.lock}
                  {r.compartment ? ` (${r.compartment})` : ""}
                </th>
                <td>
                  <Status tone={TONE[r.outcome] ?? "warn"}>{t(`door.outcome.${r.outcome}`)}</Status>
                </td>
                <td>{secs(r.openedAfterMs)}</td>
                <td>{secs(r.closedAfterMs)}</td>
                <td>
                  <When at={r.at} />
                </td>
                <td>{r.detail}</td>
              </>
            )}
          />
          {job.state !== "running" && run && (
            <p class="row">
              <a class="button" href={`${reportUrl}?download=1`} download={`door-test-${run.report}.json`}>
                {t("door.reportJson")}
              </a>
              <a class="button" href={`${reportUrl}.html`} target="_blank" rel="noopener">
                {t("door.reportHtml")}
              </a>
            </p>
          )}
        </>
      )}
    </section>
  );
}
