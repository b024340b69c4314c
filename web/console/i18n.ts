/**
 * The console's strings: every visible text comes from messages.{en,zh}.json (flat keys,
 * `{name}` placeholders). The language follows the browser (zh* → Chinese, else English) until
 * the installer picks one with the switch; the choice is kept in localStorage (a preference, no
 * secret). A key missing from a catalogue falls back to English, then to the key itself.
 */
import { createContext } from "preact";
import { useContext } from "preact/hooks";
import en from "./messages.en.json";
import zh from "./messages.zh.json";

export type Lang = "en" | "zh";
export type Catalogue = Record<string, string>;
const catalogues: Record<Lang, Catalogue> = { en, zh };
const STORE_KEY = "qh.console.lang";

/** The starting language: the saved choice, else the browser's first preference. */
export function initialLang(): Lang {
  try {
    const saved = localStorage.getItem(STORE_KEY);
    if (saved === "en" || saved === "zh") return saved;
  } catch {
    // storage refused (private mode): follow the browser
  }
  const prefs = navigator.languages?.length ? navigator.languages : [navigator.language];
  return prefs[0]?.toLowerCase().startsWith("zh") ? "zh" : "en";
}

/** Saves the installer's choice and sets <html lang>. */
export function saveLang(lang: Lang): void {
  document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
  try {
    localStorage.setItem(STORE_KEY, lang);
  } catch {
    // not saved: the switch still works for this visit
  }
}

export type T = (key: string, vars?: Record<string, string | number>) => string;

/** A translator for `lang`: t("scan.progress", { done: 3, total: 10 }). */
export function translator(lang: Lang): T {
  const cat = catalogues[lang];
  return (key, vars) => {
    const s = cat[key] ?? en[key as keyof typeof en] ?? key;
    return vars ? s.replace(/\{(\w+)\}/g, (m, k: string) => (k in vars ? String(vars[k]) : m)) : s;
  };
}

export const I18n = createContext<{ lang: Lang; t: T }>({ lang: "en", t: translator("en") });

/** The current translator and language. */
export function useT(): { lang: Lang; t: T } {
  return useContext(I18n);
}
