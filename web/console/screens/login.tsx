/**
 * Login with the API token: POST /api/v1/session { token } sets the HttpOnly qh_console cookie.
 * The token lives only in the input while typing: the field is cleared after the request, never
 * put in storage, the URL or the page's state beyond this form.
 */
import { useRef, useState } from "preact/hooks";
import { api } from "../api";
import { ErrorNote } from "../components";
import { useT } from "../i18n";

export function Login(props: { onIn: () => void }) {
  const { t } = useT();
  const input = useRef<HTMLInputElement>(null);
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    const field = input.current;
    if (!field) return;
    const token = field.value;
    field.value = "";
    setBusy(true);
    try {
      await api("POST", "/session", { token });
      props.onIn();
    } catch (err) {
      setError(err);
      field.focus();
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="login">
      <h1 tabIndex={-1} id="screen-title">
        {t("login.title")}
      </h1>
      <p>{t("login.intro")}</p>
      <form onSubmit={submit}>
        <label for="token">{t("login.token")}</label>
        <input id="token" ref={input} type="password" autoComplete="off" required spellcheck={false} />
        <button type="submit" class="primary" disabled={busy}>
          {t("login.submit")}
        </button>
      </form>
      <ErrorNote error={error} />
    </section>
  );
}
