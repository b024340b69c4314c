/**
 * Login with the API token: POST /api/v1/session { token } sets the HttpOnly qh_console cookie.
 * The token lives only in the input while typing: the field is cleared after the request, never
 * put in storage, the URL or the page's state beyond this form.
 */
import { useRef, useState } from "preact/hooks";
import { isApiError } from "../../shared/api.js";
import { api } from "../api";
import { ErrorNote } from "../components";
import { useT } from "../i18n";

/**
 * Where to go after login: `?next=` when it is one of this gateway's own /api/v1 links (a
 * commissioning report opened while logged out: the gateway sent the browser here), else nothing.
 */
export function nextAfterLogin(search: string = location.search): string | undefined {
  const next = new URLSearchParams(search).get("next");
  return next && /^\/api\/v1\/[A-Za-z0-9/_.~%?=&-]*$/.test(next) && !next.includes("..") ? next : undefined;
}

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
      const next = nextAfterLogin();
      if (next) location.assign(next);
      else props.onIn();
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
      {nextAfterLogin() && <p class="note">{t("login.thenBack")}</p>}
      <form onSubmit={submit}>
        <label for="token">{t("login.token")}</label>
        <input id="token" ref={input} type="password" autoComplete="off" required spellcheck={false} />
        <button type="submit" class="primary" disabled={busy}>
          {t("login.submit")}
        </button>
      </form>
      <ErrorNote
        error={error}
        hint={isApiError(error, "QH_API_UNAUTHORIZED") ? t("login.wrongToken") : undefined}
      />
    </section>
  );
}
