/**
 * The kiosk page (`/kiosk/{terminal}`): the locker's front panel for residents and couriers.
 * Chinese by default, English one touch away; see app.tsx.
 */
import { render } from "preact";
import { I18nProvider } from "../shared/i18n.js";
import { App } from "./app.js";
import en from "./messages.en.json";
import zh from "./messages.zh.json";
import "./kiosk.css";

/** The terminal id from the path /kiosk/{terminal}. */
function terminalFromPath(path: string): string {
  return decodeURIComponent(path.split("/")[2] ?? "");
}

const root = document.getElementById("app");
if (root)
  render(
    <I18nProvider catalogues={{ zh, en }}>
      <App terminal={terminalFromPath(location.pathname)} />
    </I18nProvider>,
    root,
  );
