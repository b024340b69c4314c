/**
 * The one-touch language switch: a button naming the other language in that language ("English"
 * on a Chinese screen, "中文" on an English one), with its `lang` set so it is read out right.
 */
import { type Lang, useI18n } from "./i18n.js";

const OTHER: Record<Lang, { lang: Lang; tag: string }> = {
  zh: { lang: "en", tag: "en" },
  en: { lang: "zh", tag: "zh-CN" },
};

/** `label`: the catalogue's name of the other language (the key is the page's to choose). */
export function LangSwitch(props: { label: string; class?: string }) {
  const { lang, setLang } = useI18n();
  const other = OTHER[lang];
  return (
    <button
      type="button"
      class={props.class ?? "lang-switch"}
      lang={other.tag}
      data-testid="lang-switch"
      onClick={() => setLang(other.lang)}
    >
      {props.label}
    </button>
  );
}
