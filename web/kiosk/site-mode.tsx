/**
 * The site's service mode on every kiosk page (issue 11): while the site is in emergency supply
 * mode (应急保供) a banner under the header says so, with the end time when the platform gave one.
 * A warning notice: an icon and a word before the text, so the meaning never rests on its colour;
 * the kiosk's 24 px text and its notice contrast (dark ink on a pale tint, well over 7:1).
 */
import { localTime } from "./failures.js";
import { useT } from "./i18n.js";
import { Notice } from "./notice.js";

/** `siteMode` of GET /kiosk/{t}/status (src/api/kiosk.ts). */
export interface SiteModeView {
  mode: "normal" | "emergency";
  since: string;
  until: string | null;
  reason: string | null;
}

/**
 * `brief`: every screen but the start one shows the heading and the end time only, on one line, so
 * that the banner pushes no button off the 800 px panel (the rules of the mode are on the start
 * screen, where the volunteers' choice is).
 */
export function SiteModeBanner(props: { mode: SiteModeView | null | undefined; brief?: boolean }) {
  const { t, lang } = useT();
  const m = props.mode;
  if (m?.mode !== "emergency") return null;
  // in the site's time zone, one form per language (zh 12月1日 00:00, en 1 Dec 00:00)
  const until = m.until === null ? null : localTime(m.until, lang);
  return (
    <div class={props.brief ? "site-mode site-mode-brief" : "site-mode"}>
      <Notice tone="warn" testid="site-mode">
        <span class="notice-title">{t("mode.emergency.heading")}</span>
        {!props.brief && <> {t("mode.emergency.text")}</>}
        {until !== null && <> {t("mode.emergency.until", { until })}</>}
      </Notice>
    </div>
  );
}
