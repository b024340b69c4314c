/**
 * Small shared pieces of the console: a status with a symbol and a word (meaning never by colour
 * alone), a coded error box read out by screen readers, a data loader, and a time format.
 */
import type { ComponentChildren } from "preact";
import { useCallback, useEffect, useState } from "preact/hooks";
import { ApiError } from "./api";
import { useT } from "./i18n";

export type Tone = "ok" | "warn" | "bad" | "idle";
const SYMBOL: Record<Tone, string> = { ok: "✓", warn: "!", bad: "✕", idle: "–" };

/** A status word with its symbol; the colour only repeats what the symbol and word say. */
export function Status(props: { tone: Tone; children: ComponentChildren }) {
  return (
    <span class={`status status-${props.tone}`}>
      <span aria-hidden="true">{SYMBOL[props.tone]} </span>
      {props.children}
    </span>
  );
}

/**
 * An error from the gateway (role=alert: announced at once): the catalogue's words for its code
 * (`error.msg.<CODE>`, `error.hint.<CODE>`) when there are some, else the gateway's own message
 * and hint, marked `lang="en"` (they come from the gateway in English: screen readers switch voice).
 * `hint` replaces the hint (a screen that knows better, e.g. the login form).
 */
export function ErrorNote(props: { error: unknown; hint?: string }) {
  const { t } = useT();
  if (!props.error) return null;
  const e = props.error;
  const code = e instanceof ApiError ? e.code : "";
  const known = (key: string) => (t(key) === key ? undefined : t(key));
  const msg = code ? known(`error.msg.${code}`) : undefined;
  const raw =
    e instanceof ApiError && e.status === 0 ? t("error.network") : e instanceof Error ? e.message : String(e);
  const hint = props.hint ?? (code ? known(`error.hint.${code}`) : undefined);
  const rawHint = e instanceof ApiError ? e.hint : undefined;
  const paths = e instanceof ApiError ? keyPaths(e.details) : [];
  return (
    <div class="note note-bad" role="alert">
      <strong>{t("error.title")}</strong>{" "}
      {msg ?? (e instanceof ApiError && e.status === 0 ? raw : <span lang="en">{raw}</span>)}{" "}
      {code && <code>{code}</code>}
      {paths.length > 0 && (
        <ul class="key-paths">
          {paths.map((p) => (
            <li key={p.path}>
              <code>{p.path}</code> <span lang="en">{p.message}</span>
            </li>
          ))}
        </ul>
      )}
      {hint ? <p>{hint}</p> : rawHint && <p lang="en">{rawHint}</p>}
    </div>
  );
}

/** The `{ path, message }` items of an error's details (a config or body refusal), if any. */
function keyPaths(details: unknown): { path: string; message: string }[] {
  const list = Array.isArray(details) ? details : details ? [details] : [];
  return list.flatMap((d) =>
    d && typeof d === "object" && typeof (d as { path?: unknown }).path === "string"
      ? [{ path: (d as { path: string }).path, message: String((d as { message?: unknown }).message ?? "") }]
      : [],
  );
}

/** A config write's answer: applied now, or saved and waiting for a restart (role=status). */
export function ApplyNote(props: {
  result?: { applied?: boolean; restartRequired?: boolean; why?: string };
}) {
  const { t } = useT();
  const r = props.result;
  if (!r) return null;
  return (
    <p class="note" role="status">
      {r.restartRequired ? (
        <Status tone="warn">{t("apply.restart", { why: r.why ?? "" })}</Status>
      ) : (
        <Status tone="ok">{t("apply.applied")}</Status>
      )}
    </p>
  );
}

/** Loads with `load` on mount and on `reload()`; keeps the last data while reloading. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[] = []) {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const [loading, setLoading] = useState(true);
  const reload = useCallback(async () => {
    setLoading(true);
    try {
      setData(await load());
      setError(undefined);
    } catch (err) {
      setError(err);
    } finally {
      setLoading(false);
    }
  }, deps);
  useEffect(() => {
    void reload();
  }, [reload]);
  return { data, error, loading, reload };
}

/** A date-time in the installer's locale, or "—" (screen readers get the word "none"). */
export function When(props: { at?: string | number | null }) {
  const { lang, t } = useT();
  if (props.at === undefined || props.at === null || props.at === "") return <span>{t("common.none")}</span>;
  const d = new Date(props.at);
  if (Number.isNaN(d.getTime())) return <span>{String(props.at)}</span>;
  return (
    <time dateTime={d.toISOString()}>
      {d.toLocaleString(lang === "zh" ? "zh-CN" : "en-GB", { hour12: false })}
    </time>
  );
}

/** A screen's heading, focused when the screen opens (keyboard and screen-reader users land on it). */
export function ScreenTitle(props: { children: ComponentChildren }) {
  return (
    <h1 tabIndex={-1} id="screen-title">
      {props.children}
    </h1>
  );
}

/** A text for any JSON value, short enough for a table cell. */
export function brief(v: unknown): string {
  if (v === undefined || v === null) return "";
  if (typeof v === "object") return JSON.stringify(v);
  return String(v);
}

/** A labelled control: the label names the control by `for` (not by wrapping it, so that the
 *  control's name is the label alone, not the label plus the option chosen). */
export function Field(props: { id: string; label: string; children: ComponentChildren }) {
  return (
    <div class="field">
      <label for={props.id}>{props.label}</label>
      {props.children}
    </div>
  );
}
