/**
 * The live view: GET /api/v1/live (SSE; `?errors=1` keeps error-level items only) with the kinds
 * event, device, bus, cold, outbox. Newest first, the last 300 kept; pause holds new items aside
 * (counted) until resume. A device the site did not list when the view opened is "new": its items
 * carry a "new" mark and it is pinned in its own list above the stream, so that a device being
 * commissioned is not lost among the old ones (PROTOCOLS.md §11, zigbee2mqtt #18921).
 */
import { useEffect, useRef, useState } from "preact/hooks";
import { api } from "../api";
import { brief, ScreenTitle, Status, type Tone, When } from "../components";
import { useT } from "../i18n";
import type { Site } from "../site";

const KINDS = ["event", "device", "bus", "cold", "outbox", "gap"] as const;
const KEEP = 300;

export interface LiveItem {
  n: number;
  kind: string;
  at: string;
  device?: string;
  error: boolean;
  isNew: boolean;
  data: Record<string, unknown>;
}

/** Which device an item is about, if any (business events and device states name one). */
export function deviceOf(kind: string, d: Record<string, unknown>): string | undefined {
  const v = d.device ?? d.deviceId ?? (kind === "device" ? d.id : undefined);
  return typeof v === "string" ? v : undefined;
}

/** Event types that are errors: the same rule as the server's `errors=1` (src/domain/commissioning/live.ts). */
const ERROR_TYPE = /(jam|forced|left_open|fault|fail|alarm|breach|unreachable|error|denied|overdue)/;

/** Whether an item is error-level: an error event type, a device offline, a line down or with a target unreachable, a gap. */
export function isError(kind: string, d: Record<string, unknown>): boolean {
  if (kind === "event") return typeof d.type === "string" && ERROR_TYPE.test(d.type);
  if (kind === "device") return d.online === false;
  if (kind === "bus")
    return (
      d.connected === false ||
      (Array.isArray(d.targets) && d.targets.some((t) => (t as { reachable?: boolean }).reachable === false))
    );
  return kind === "gap";
}

/**
 * The stream's state: `ended` the gateway closed it on purpose (it sends `event: end` first: a
 * restart, a shutdown) and the page reconnects quietly; `retrying` a real failure (the connection
 * dropped without `end`, or the gateway refused it): an error shown, and the page reconnects.
 * The page leaving (pagehide, the screen changing) closes the stream and shows nothing.
 */
type Conn = "connecting" | "open" | "ended" | "retrying";

export function LiveScreen() {
  const { t } = useT();
  const [errorsOnly, setErrorsOnly] = useState(false);
  const [paused, setPaused] = useState(false);
  const [items, setItems] = useState<LiveItem[]>([]);
  const [held, setHeld] = useState<LiveItem[]>([]);
  const [fresh, setFresh] = useState<Map<string, { first: string; last: string }>>(new Map());
  const [conn, setConn] = useState<Conn>("connecting");
  const known = useRef<Set<string> | undefined>(undefined);
  const pausedRef = useRef(paused);
  pausedRef.current = paused;
  const counter = useRef(0);

  useEffect(() => {
    api<Site>("GET", "/site").then(
      (s) => {
        known.current = new Set((s.devices ?? []).map((d) => d.id));
      },
      () => {
        known.current = new Set();
      },
    );
  }, []);

  useEffect(() => {
    setConn("connecting");
    let es: EventSource | undefined;
    let stopped = false;
    let afterEnd = false;
    let delay = 1000;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const leave = () => {
      stopped = true;
    };
    addEventListener("pagehide", leave);
    const again = () => {
      clearTimeout(timer);
      timer = setTimeout(connect, delay);
      delay = Math.min(delay * 2, 15_000);
    };
    const on = (kind: string) => (e: Event) => {
      let data: Record<string, unknown>;
      try {
        const parsed = JSON.parse((e as MessageEvent).data) as unknown;
        data = parsed && typeof parsed === "object" ? (parsed as Record<string, unknown>) : { value: parsed };
      } catch {
        data = { text: (e as MessageEvent).data };
      }
      const device = deviceOf(kind, data);
      const isNew = !!device && !!known.current && !known.current.has(device);
      const at =
        typeof data.ts === "string"
          ? data.ts
          : typeof data.at === "string"
            ? data.at
            : new Date().toISOString();
      const item: LiveItem = {
        n: ++counter.current,
        kind,
        at,
        device,
        error: isError(kind, data),
        isNew,
        data,
      };
      if (isNew && device)
        setFresh((m) => new Map(m).set(device, { first: m.get(device)?.first ?? at, last: at }));
      if (pausedRef.current) setHeld((h) => [item, ...h].slice(0, KEEP));
      else setItems((list) => [item, ...list].slice(0, KEEP));
    };
    function connect() {
      if (stopped) return;
      const source = new EventSource(`/api/v1/live${errorsOnly ? "?errors=1" : ""}`);
      es = source;
      source.onopen = () => {
        afterEnd = false;
        delay = 1000;
        setConn("open");
      };
      source.addEventListener("end", () => {
        // the gateway closes the stream on purpose: not an error; come back when it is there again
        afterEnd = true;
        source.close();
        setConn("ended");
        again();
      });
      source.onerror = () => {
        if (stopped) return;
        if (!afterEnd) setConn("retrying");
        // CLOSED: the browser gave up (a refusal, a gateway gone): reconnect ourselves
        if (source.readyState === EventSource.CLOSED) again();
      };
      for (const k of KINDS) source.addEventListener(k, on(k));
    }
    connect();
    return () => {
      stopped = true;
      clearTimeout(timer);
      removeEventListener("pagehide", leave);
      es?.close();
    };
  }, [errorsOnly]);

  const resume = () => {
    setItems((list) => [...held, ...list].slice(0, KEEP));
    setHeld([]);
    setPaused(false);
  };
  const tone: Tone = conn === "open" ? "ok" : conn === "retrying" ? "bad" : "idle";

  return (
    <section>
      <ScreenTitle>{t("live.title")}</ScreenTitle>
      <div class="row">
        <label class="check">
          <input
            type="checkbox"
            checked={errorsOnly}
            onChange={(e) => setErrorsOnly(e.currentTarget.checked)}
          />
          {t("live.errorsOnly")}
        </label>
        {paused ? (
          <button type="button" class="primary" onClick={resume}>
            {t("live.resume", { n: held.length })}
          </button>
        ) : (
          <button type="button" onClick={() => setPaused(true)}>
            {t("live.pause")}
          </button>
        )}
        <button type="button" onClick={() => setItems([])}>
          {t("live.clear")}
        </button>
        <Status tone={tone}>{t(`live.conn.${conn}`)}</Status>
      </div>
      <p role="status" class="help">
        {paused ? t("live.pausedNote", { n: held.length }) : ""}
      </p>
      <h2>{t("live.newDevices")}</h2>
      {fresh.size === 0 ? (
        <p>{t("live.noNewDevices")}</p>
      ) : (
        <ul class="fresh">
          {[...fresh].map(([id, f]) => (
            <li key={id}>
              <strong class="badge-new">{t("live.new")}</strong> <code>{id}</code> · {t("live.firstSeen")}{" "}
              <When at={f.first} /> · {t("live.lastSeen")} <When at={f.last} />
            </li>
          ))}
        </ul>
      )}
      <h2>{t("live.stream", { n: items.length })}</h2>
      <table class="live">
        <thead>
          <tr>
            <th scope="col">{t("live.time")}</th>
            <th scope="col">{t("live.kind")}</th>
            <th scope="col">{t("live.source")}</th>
            <th scope="col">{t("live.detail")}</th>
          </tr>
        </thead>
        <tbody>
          {items.map((i) => (
            <tr key={i.n} class={`${i.isNew ? "is-new" : ""} ${i.error ? "is-error" : ""}`}>
              <td>
                <When at={i.at} />
              </td>
              <td>
                {i.error ? <Status tone="bad">{t("live.error")}</Status> : null} {t(`live.kind.${i.kind}`)}
              </td>
              <td>
                {i.isNew && <strong class="badge-new">{t("live.new")}</strong>}{" "}
                {i.device ?? brief(i.data.bus ?? i.data.zone ?? "")}
              </td>
              <td class="detail">
                {brief(i.data.type ?? "")} <code>{JSON.stringify(i.data)}</code>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
