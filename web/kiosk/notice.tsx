/**
 * Messages on the screen itself (never a pop-up): an icon and a word ("出错了", "完成", "请注意",
 * "提示") before the text, so the meaning never rests on colour. Errors are announced (role
 * "alert"), the rest politely (role "status").
 */
import type { ComponentChildren } from "preact";
import type { Params } from "../shared/i18n.js";
import { type Key, useT } from "./i18n.js";

export type Tone = "error" | "ok" | "warn" | "info";

const WORD: Record<Tone, Key> = {
  error: "notice.error",
  ok: "notice.ok",
  warn: "notice.warn",
  info: "notice.info",
};

/** Inline SVG icons (no font, no request): a cross, a tick, a triangle, an "i". Decorative: the word says it. */
export function Icon(props: { tone: Tone }) {
  return (
    <svg width="40" height="40" viewBox="0 0 24 24" aria-hidden="true" focusable="false" class="icon">
      <Shape tone={props.tone} />
    </svg>
  );
}

function Shape(props: { tone: Tone }) {
  switch (props.tone) {
    case "error":
      return (
        <>
          <circle cx="12" cy="12" r="11" fill="currentColor" />
          <path d="M7.5 7.5l9 9m0-9l-9 9" stroke="#fff" stroke-width="2.6" stroke-linecap="round" />
        </>
      );
    case "ok":
      return (
        <>
          <circle cx="12" cy="12" r="11" fill="currentColor" />
          <path
            d="M6.5 12.5l3.5 3.5 7.5-8"
            stroke="#fff"
            stroke-width="2.6"
            fill="none"
            stroke-linecap="round"
          />
        </>
      );
    case "warn":
      return (
        <>
          <path d="M12 1.5L23 21.5H1z" fill="currentColor" />
          <path d="M12 8v7" stroke="#fff" stroke-width="2.6" stroke-linecap="round" />
          <circle cx="12" cy="18.2" r="1.5" fill="#fff" />
        </>
      );
    default:
      return (
        <>
          <circle cx="12" cy="12" r="11" fill="currentColor" />
          <path d="M12 10.5v7" stroke="#fff" stroke-width="2.6" stroke-linecap="round" />
          <circle cx="12" cy="6.8" r="1.5" fill="#fff" />
        </>
      );
  }
}

export function Notice(props: { tone: Tone; children: ComponentChildren; testid?: string }) {
  const { t } = useT();
  return (
    <div
      class={`notice notice-${props.tone}`}
      role={props.tone === "error" ? "alert" : "status"}
      data-testid={props.testid ?? `notice-${props.tone}`}
    >
      <Icon tone={props.tone} />
      <p>
        <strong class="notice-word">{t(WORD[props.tone])}</strong> {props.children}
      </p>
    </div>
  );
}

/** A notice whose text is one catalogue message (and `extra`, already translated, after it). */
export function Message(props: { tone: Tone; k: Key; params?: Params; testid?: string; extra?: string }) {
  const { t } = useT();
  return (
    <Notice tone={props.tone} testid={props.testid}>
      {t(props.k, props.params)}
      {props.extra ? ` ${props.extra}` : null}
    </Notice>
  );
}
