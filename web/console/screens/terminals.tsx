/**
 * Kiosk terminals (GET /api/v1/terminals): each terminal of the site with its pairing state; pair
 * one (POST /terminals/{t}/pairing: the one-time code the installer types at the kiosk's pairing
 * screen, and when it expires), revoke one (DELETE /terminals/{t}/credential) after a confirmation
 * shown in the page (no pop-up: a pop-up blocks the page and screen readers announce it poorly).
 */
import { useState } from "preact/hooks";
import { api } from "../api";
import { ErrorNote, ScreenTitle, Status, useLoad, When } from "../components";
import { useT } from "../i18n";

interface Terminal {
  id: string;
  paired: boolean;
  pairedAt?: string;
  expiresAt?: string;
  pairingPending: boolean;
}
interface Pairing {
  terminal: string;
  pairingCode: string;
  expiresAt: string;
  pairUrl: string;
}

export function TerminalsScreen() {
  const { t } = useT();
  const list = useLoad(async () => (await api<{ terminals: Terminal[] }>("GET", "/terminals")).terminals);
  const [code, setCode] = useState<Pairing | undefined>(undefined);
  const [confirm, setConfirm] = useState<string | undefined>(undefined);
  const [done, setDone] = useState<string | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);

  const pair = async (id: string) => {
    setError(undefined);
    setDone(undefined);
    try {
      setCode(await api<Pairing>("POST", `/terminals/${encodeURIComponent(id)}/pairing`, {}));
      await list.reload();
    } catch (err) {
      setError(err);
    }
  };
  const revoke = async (id: string) => {
    setError(undefined);
    try {
      await api("DELETE", `/terminals/${encodeURIComponent(id)}/credential`);
      setConfirm(undefined);
      if (code?.terminal === id) setCode(undefined);
      setDone(t("terminals.revoked", { id }));
      await list.reload();
    } catch (err) {
      setError(err);
    }
  };

  return (
    <section>
      <ScreenTitle>{t("terminals.title")}</ScreenTitle>
      <p>{t("terminals.intro")}</p>
      <ErrorNote error={list.error ?? error} />
      {done && (
        <p class="note" role="status">
          <Status tone="ok">{done}</Status>
        </p>
      )}
      {code && (
        <div class="note" role="status" aria-live="polite">
          <h2>{t("terminals.codeFor", { id: code.terminal })}</h2>
          <p class="pairing-code" data-testid="pairing-code">
            <strong>{code.pairingCode}</strong>
          </p>
          <p>
            {t("terminals.codeExpires")} <When at={code.expiresAt} />
          </p>
          <p>
            {t("terminals.codeHow")} <code>{code.pairUrl}</code>
          </p>
        </div>
      )}
      <table>
        <caption class="sr">{t("terminals.title")}</caption>
        <thead>
          <tr>
            <th scope="col">{t("terminals.id")}</th>
            <th scope="col">{t("terminals.state")}</th>
            <th scope="col">{t("terminals.since")}</th>
            <th scope="col">{t("terminals.actions")}</th>
          </tr>
        </thead>
        <tbody>
          {(list.data ?? []).map((k) => (
            <tr key={k.id}>
              <th scope="row">{k.id}</th>
              <td>
                {k.paired ? (
                  <Status tone="ok">{t("terminals.paired")}</Status>
                ) : k.pairingPending ? (
                  <Status tone="warn">{t("terminals.pending")}</Status>
                ) : (
                  <Status tone="idle">{t("terminals.unpaired")}</Status>
                )}
              </td>
              <td>{k.paired ? <When at={k.pairedAt} /> : t("common.none")}</td>
              <td>
                <button type="button" onClick={() => pair(k.id)}>
                  {t(k.paired ? "terminals.pairAgain" : "terminals.pair", { id: k.id })}
                </button>{" "}
                {k.paired && confirm !== k.id && (
                  <button type="button" onClick={() => setConfirm(k.id)}>
                    {t("terminals.revoke", { id: k.id })}
                  </button>
                )}
                {confirm === k.id && (
                  <fieldset class="note note-warn">
                    <legend>{t("terminals.confirmLabel", { id: k.id })}</legend>
                    <p>{t("terminals.confirm", { id: k.id })}</p>
                    <button type="button" class="danger" onClick={() => revoke(k.id)}>
                      {t("terminals.confirmYes", { id: k.id })}
                    </button>{" "}
                    <button type="button" onClick={() => setConfirm(undefined)}>
                      {t("common.cancel")}
                    </button>
                  </fieldset>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
