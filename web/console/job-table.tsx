/**
 * The result pane the console's long operations and tables share (bus scan, door test, the
 * compartment layout): a job's progress read out politely, and a captioned table whose first cell
 * of each row is its row header.
 */
import type { ComponentChildren } from "preact";
import { useT } from "./i18n";
import type { Job } from "./job";

/** A captioned table: `columns` are the column headers, `row` renders one row's cells (a `th` first). */
export function ResultTable<R>(props: {
  caption: ComponentChildren;
  columns: string[];
  rows: readonly R[];
  rowKey: (r: R) => string | number;
  row: (r: R) => ComponentChildren;
  rowClass?: (r: R) => string | undefined;
}) {
  return (
    <table>
      <caption>{props.caption}</caption>
      <thead>
        <tr>
          {props.columns.map((c) => (
            <th key={c} scope="col">
              {c}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {props.rows.map((r) => (
          <tr key={props.rowKey(r)} class={props.rowClass?.(r)}>
            {props.row(r)}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** A job's state and progress bar (role=status: announced without taking the focus). */
export function JobProgress(props: { id: string; job: Job<unknown> }) {
  const { t } = useT();
  const { job } = props;
  return (
    <p role="status" aria-live="polite">
      <label for={props.id}>{t(`job.${job.state}`)} </label>
      <progress id={props.id} max={job.progress.total || 1} value={job.progress.done} />{" "}
      {t("job.progress", { done: job.progress.done, total: job.progress.total })}
    </p>
  );
}

/** A job's pane: its progress, what goes between (filters), then its results' table. */
export function JobPane<R>(
  props: { job: Job<R>; progressId: string; children?: ComponentChildren } & Omit<
    Parameters<typeof ResultTable<R>>[0],
    "rows"
  > & { rows?: readonly R[] },
) {
  const { job, progressId, children, rows, ...table } = props;
  return (
    <>
      <JobProgress id={progressId} job={job as Job<unknown>} />
      {children}
      <ResultTable<R> {...table} rows={rows ?? job.results} />
    </>
  );
}
