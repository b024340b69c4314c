/**
 * A mistyped or stale address: the gateway answered `QH_LOCKER_TERMINAL_UNKNOWN` (404) for the
 * terminal in the path (`/kiosk/{terminal}`). The screen says it is not set up, names the terminal
 * it was opened for and whom to call; nothing else runs (no polling, no pairing, no home screen).
 */
import { useT } from "../i18n.js";
import { Notice } from "../notice.js";

export function UnknownTerminal(props: { terminal: string }) {
  const { t } = useT();
  return (
    <section class="unknown-terminal" aria-labelledby="unknown-heading" data-testid="screen-unknown-terminal">
      <h1 id="unknown-heading">{t("unknownTerminal.heading")}</h1>
      <Notice tone="error" testid="unknown-terminal">
        {t("unknownTerminal.body", { terminal: props.terminal })}
      </Notice>
      <p class="instruction">{t("unknownTerminal.resident")}</p>
      <p class="hint">{t("unknownTerminal.installer", { terminal: props.terminal })}</p>
    </section>
  );
}
