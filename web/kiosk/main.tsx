/** The kiosk page: the locker's front panel (see ./app.tsx). */
import { render } from "preact";
import { I18nProvider } from "../shared/i18n.js";
import en from "./messages.en.json";
import zh from "./messages.zh.json";
import "./kiosk.css";
import { LangSwitch } from "../shared/lang-switch.js";

function App() {
  return (
    <main>
      <LangSwitch label="English" />
    </main>
  );
}

const root = document.getElementById("app");
if (root)
  render(
    <I18nProvider catalogues={{ zh, en }}>
      <App />
    </I18nProvider>,
    root,
  );
