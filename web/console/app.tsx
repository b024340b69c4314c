/**
 * The installer console: a session check, the login screen, then the screens behind a navigation
 * bar, one per hash route (#/overview, #/scan, …: the back button and bookmarks work, no server
 * routes needed). On every screen change the screen's heading takes the focus.
 */
import { useEffect, useState } from "preact/hooks";
import { I18nProvider } from "../shared/i18n.js";
import { LangSwitch } from "../shared/lang-switch.js";
import { api, setUnauthorizedHandler } from "./api";
import { consoleLang, useSaveLang, useT } from "./i18n";
import en from "./messages.en.json";
import zh from "./messages.zh.json";
import { ColdScreen } from "./screens/cold";
import { DevicesScreen } from "./screens/devices";
import { DoorTestScreen } from "./screens/door-test";
import { LayoutScreen } from "./screens/layout";
import { LiveScreen } from "./screens/live";
import { Login } from "./screens/login";
import { OverviewScreen } from "./screens/overview";
import { ScanScreen } from "./screens/scan";
import { TerminalsScreen } from "./screens/terminals";
import { VendingScreen } from "./screens/vending";

export const SCREENS = [
  "overview",
  "scan",
  "door-test",
  "devices",
  "layout",
  "cold",
  "vending",
  "live",
  "terminals",
] as const;
export type Screen = (typeof SCREENS)[number];

function screenFromHash(): Screen {
  const h = location.hash.replace(/^#\/?/, "");
  return (SCREENS as readonly string[]).includes(h) ? (h as Screen) : "overview";
}

const catalogues = { en, zh };

export function App() {
  return (
    <I18nProvider catalogues={catalogues} initial={consoleLang()}>
      <Console />
    </I18nProvider>
  );
}

function Console() {
  const { t } = useT();
  useSaveLang();
  const [session, setSession] = useState<"checking" | "in" | "out">("checking");
  const [screen, setScreen] = useState<Screen>(screenFromHash);

  useEffect(() => {
    setUnauthorizedHandler(() => setSession("out"));
    api("GET", "/session").then(
      () => setSession("in"),
      () => setSession("out"),
    );
    const onHash = () => setScreen(screenFromHash());
    addEventListener("hashchange", onHash);
    return () => removeEventListener("hashchange", onHash);
  }, []);
  useEffect(() => {
    document.title = `${t(`nav.${screen}`)} · ${t("page.title")}`;
    if (session === "in") document.getElementById("screen-title")?.focus();
  }, [screen, session, t]);

  const logout = async () => {
    await api("DELETE", "/session").catch(() => undefined);
    setSession("out");
  };

  return (
    <>
      <a class="skip" href="#main">
        {t("app.skip")}
      </a>
      <header class="bar">
        <span class="brand">{t("page.title")}</span>
        <LangSwitch label={t("app.switchLang")} class="link" />
        {session === "in" && (
          <button type="button" class="link" onClick={logout}>
            {t("app.logout")}
          </button>
        )}
      </header>
      {session === "in" && (
        <nav aria-label={t("nav.label")}>
          <ul>
            {SCREENS.map((s) => (
              <li key={s}>
                <a href={`#/${s}`} aria-current={s === screen ? "page" : undefined}>
                  {t(`nav.${s}`)}
                </a>
              </li>
            ))}
          </ul>
        </nav>
      )}
      <main id="main">
        {session === "checking" && <p role="status">{t("common.loading")}</p>}
        {session === "out" && <Login onIn={() => setSession("in")} />}
        {session === "in" && <Current screen={screen} />}
      </main>
    </>
  );
}

function Current(props: { screen: Screen }) {
  switch (props.screen) {
    case "overview":
      return <OverviewScreen />;
    case "scan":
      return <ScanScreen />;
    case "door-test":
      return <DoorTestScreen />;
    case "devices":
      return <DevicesScreen />;
    case "layout":
      return <LayoutScreen />;
    case "cold":
      return <ColdScreen />;
    case "vending":
      return <VendingScreen />;
    case "live":
      return <LiveScreen />;
    case "terminals":
      return <TerminalsScreen />;
  }
}
