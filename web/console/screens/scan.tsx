/**
 * Bus scan: POST /api/v1/buses/{bus}/scan { from?, to? } → 202 { job }; the job's progress and
 * per-address results live (job.ts), a filter for the addresses that answered, and a cancel.
 */
import { useState } from "preact/hooks";
import { api } from "../api";
import { ErrorNote, Field, ScreenTitle, Status, useLoad } from "../components";
import { useT } from "../i18n";
import { useJob } from "../job";
import { JobPane } from "../job-table";
import type { SiteBus } from "../site";

interface ScanResult {
  address: number;
  answered: boolean;
  /** ok | silent | garbled | refused */
  status?: string;
  model?: string;
  device?: string;
  detail?: string;
}
/** Lines with one device and no addresses to probe (the scan refuses them: QH_SCAN_UNSUPPORTED). */
const UNSCANNABLE = ["scanner-line", "mdb-bridge-text"];

export function ScanScreen() {
  const { t } = useT();
  const site = useLoad(async () => (await api<{ buses: SiteBus[] }>("GET", "/buses")).buses);
  const buses = (site.data ?? []).filter((b) => !UNSCANNABLE.includes(b.protocol ?? ""));
  const [bus, setBus] = useState("");
  const [from, setFrom] = useState("");
  const [to, setTo] = useState("");
  const [jobId, setJobId] = useState<string | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const [answeredOnly, setAnsweredOnly] = useState(false);
  const { job, error: jobError } = useJob<ScanResult>(jobId);
  const chosen = bus || buses[0]?.id || "";
  const running = job?.state === "running";

  const start = async (e: Event) => {
    e.preventDefault();
    setError(undefined);
    const body: { from?: number; to?: number } = {};
    if (from !== "") body.from = Number(from);
    if (to !== "") body.to = Number(to);
    try {
      const r = await api<{ job: string }>("POST", `/buses/${encodeURIComponent(chosen)}/scan`, body);
      setJobId(r.job);
    } catch (err) {
      setError(err);
    }
  };
  const cancel = () => jobId && api("DELETE", `/jobs/${encodeURIComponent(jobId)}`).catch(setError);
  const results = (job?.results ?? []).filter((r) => !answeredOnly || r.answered);

  return (
    <section>
      <ScreenTitle>{t("scan.title")}</ScreenTitle>
      <p>{t("scan.intro")}</p>
      <ErrorNote error={site.error} />
      <form onSubmit={start} class="row">
        <Field id="f-scan-bus" label={t("scan.bus")}>
          <select id="f-scan-bus" value={chosen} onChange={(e) => setBus(e.currentTarget.value)}>
            {buses.map((b) => (
              <option key={b.id} value={b.id}>
                {b.id} ({b.protocol})
              </option>
            ))}
          </select>
        </Field>
        <Field id="f-scan-from" label={t("scan.from")}>
          <input
            id="f-scan-from"
            type="number"
            min={0}
            max={255}
            value={from}
            onInput={(e) => setFrom(e.currentTarget.value)}
          />
        </Field>
        <Field id="f-scan-to" label={t("scan.to")}>
          <input
            id="f-scan-to"
            type="number"
            min={0}
            max={255}
            value={to}
            onInput={(e) => setTo(e.currentTarget.value)}
          />
        </Field>
        <button type="submit" class="primary" disabled={!chosen || running}>
          {t("scan.start")}
        </button>
        {running && (
          <button type="button" onClick={cancel}>
            {t("common.cancel")}
          </button>
        )}
      </form>
      <ErrorNote error={error ?? jobError} />
      {job && (
        <JobPane<ScanResult>
          job={job}
          progressId="scan-progress"
          caption={t("scan.results", { n: job.results.filter((r) => r.answered).length })}
          columns={[t("scan.address"), t("scan.answered"), t("scan.device"), t("scan.detail")]}
          rows={results}
          rowKey={(r) => r.address}
          rowClass={(r) => (r.answered ? "hit" : undefined)}
          row={(r) => (
            <>
              <th scope="row">{r.address}</th>
              <td>
                <Status tone={r.answered ? "ok" : "idle"}>
                  {t(r.answered ? "common.yes" : "common.no")}
                </Status>
              </td>
              <td>{r.model}</td>
              <td>{r.detail}</td>
            </>
          )}
        >
          <label class="check">
            <input
              type="checkbox"
              checked={answeredOnly}
              onChange={(e) => setAnsweredOnly(e.currentTarget.checked)}
            />
            {t("scan.answeredOnly")}
          </label>
        </JobPane>
      )}
    </section>
  );
}
