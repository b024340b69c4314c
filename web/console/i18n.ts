/**
 * The console's language: web/shared/i18n.tsx's catalogues and switch, started from the
 * installer's saved choice, else the browser's first language (zh* → Chinese, else English: the
 * console is used on the installer's own laptop, whose language says what they read; the kiosk,
 * a shared public screen, starts in Chinese instead). The choice is saved in localStorage (a
 * preference, no secret); `?lang=en|zh` in the address wins over both.
 */
import { useEffect } from "preact/hooks";
import { type Lang, useI18n } from "../shared/i18n.js";

export type { Lang };

const STORE_KEY = "qh.console.lang";

/** The starting language: ?lang=, else the saved choice, else the browser's first preference. */
export function consoleLang(): Lang {
  const asked = new URLSearchParams(location.search).get("lang");
  if (asked === "en" || asked === "zh") return asked;
  try {
    const saved = localStorage.getItem(STORE_KEY);
    if (saved === "en" || saved === "zh") return saved;
  } catch {
    // storage refused (private mode): follow the browser
  }
  const prefs = navigator.languages?.length ? navigator.languages : [navigator.language];
  return prefs[0]?.toLowerCase().startsWith("zh") ? "zh" : "en";
}

export type T = (key: string, vars?: Record<string, string | number>) => string;

/** The current translator and language (inside the shared I18nProvider). */
export function useT(): { lang: Lang; t: T } {
  return useI18n<string>();
}

/** Keeps the installer's choice of language for the next visit. */
export function useSaveLang(): void {
  const { lang } = useI18n<string>();
  useEffect(() => {
    try {
      localStorage.setItem(STORE_KEY, lang);
    } catch {
      // not saved: the switch still works for this visit
    }
  }, [lang]);
}
