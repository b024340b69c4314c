/**
 * Message catalogues and the language switch, shared by the pages. Every string a page shows comes
 * from its `messages.zh.json` / `messages.en.json` (same keys; a unit test checks they match).
 * Chinese is the default; the choice holds for this page load (memory only: a reload, or the next
 * resident at a kiosk, starts again in Chinese unless the URL says `?lang=en`).
 *
 *   const { t, lang, setLang } = useI18n<Keys>();
 *   t("pickup.attemptsLeft", { n: 3 })   // "{n}" placeholders are filled in
 */
import { type ComponentChildren, createContext } from "preact";
import { useContext, useLayoutEffect, useMemo, useState } from "preact/hooks";

export type Lang = "zh" | "en";
export const LANGS: readonly Lang[] = ["zh", "en"];
/** BCP 47 tags for `<html lang>` (screen readers and fonts pick their voice and glyphs from it). */
export const HTML_LANG: Record<Lang, string> = { zh: "zh-CN", en: "en" };

export type Catalogue<K extends string> = Record<K, string>;
export type Params = Record<string, string | number>;

export interface I18n<K extends string> {
  lang: Lang;
  setLang(lang: Lang): void;
  /** The message for `key` in the current language, `{name}` placeholders filled from `params`. */
  t(key: K, params?: Params): string;
}

/** Fill `{name}` placeholders; a placeholder without a value stays visible (a bug to see, not hide). */
export function format(template: string, params?: Params): string {
  if (!params) return template;
  return template.replace(/\{(\w+)\}/g, (m, name: string) =>
    params[name] === undefined ? m : String(params[name]),
  );
}

/** The language a page starts in: `?lang=en` or `?lang=zh`, else Chinese. */
export function initialLang(search: string = globalThis.location?.search ?? ""): Lang {
  const asked = new URLSearchParams(search).get("lang");
  return asked === "en" || asked === "zh" ? asked : "zh";
}

const Ctx = createContext<I18n<string> | undefined>(undefined);

export function I18nProvider<K extends string>(props: {
  catalogues: Record<Lang, Catalogue<K>>;
  initial?: Lang;
  children: ComponentChildren;
}) {
  const [lang, setLang] = useState<Lang>(props.initial ?? initialLang());
  // in the same commit as the text in the new language (a layout effect runs before the browser
  // paints or anything else reads the page): never a frame of text under the other language's tag
  useLayoutEffect(() => {
    document.documentElement.lang = HTML_LANG[lang];
  }, [lang]);
  const value = useMemo<I18n<string>>(() => {
    const cat = props.catalogues[lang] as Record<string, string>;
    return { lang, setLang, t: (key, params) => format(cat[key] ?? key, params) };
  }, [lang, props.catalogues]);
  return <Ctx.Provider value={value}>{props.children}</Ctx.Provider>;
}

/** The current language and its messages (inside an I18nProvider). */
export function useI18n<K extends string>(): I18n<K> {
  const v = useContext(Ctx);
  if (!v) throw new Error("useI18n outside I18nProvider");
  return v as I18n<K>;
}
