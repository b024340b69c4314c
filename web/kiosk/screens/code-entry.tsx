/**
 * A code typed on the keypad and sent: the resident's pickup code, the courier's code, the
 * installer's pairing code. The refusal (wrong code with attempts left, locked out until…) is
 * shown on the same screen; the code is cleared after a refusal.
 */
import { useState } from "preact/hooks";
import { type Failure, failureOf } from "../failures.js";
import { type Key, useT } from "../i18n.js";
import { Keypad } from "../keypad.js";
import { Message } from "../notice.js";

export interface CodeEntryProps {
  id: string;
  heading: Key;
  submit: Key;
  hint?: Key;
  hintParams?: Record<string, string>;
  context: "pickup" | "courier" | "pairing";
  terminal: string;
  /** Sends the code; resolves when accepted (the caller moves on), rejects with the API's error. */
  send(code: string): Promise<void>;
  onBack?(): void;
  /** An error that means "pair again" is the caller's to handle. */
  onFatal?(err: unknown): boolean;
}

export function CodeEntry(p: CodeEntryProps) {
  const { t, lang } = useT();
  const [code, setCode] = useState("");
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<Failure | undefined>();
  const submit = async () => {
    setBusy(true);
    try {
      await p.send(code);
    } catch (err) {
      if (p.onFatal?.(err)) return;
      setFailure(failureOf(err, lang, p.context, p.terminal));
      setCode("");
    } finally {
      setBusy(false);
    }
  };
  return (
    <section class="code-entry" aria-labelledby={`${p.id}-heading`} data-testid={`screen-${p.id}`}>
      <div class="code-side">
        <h1 id={`${p.id}-heading`}>{t(p.heading)}</h1>
        {p.hint && <p class="hint">{t(p.hint, p.hintParams)}</p>}
        {failure && <Message tone="error" k={failure.key} params={failure.params} testid="failure" />}
        {p.onBack && (
          <button type="button" class="secondary" onClick={p.onBack} data-testid="back">
            {t("common.back")}
          </button>
        )}
      </div>
      <Keypad
        labelledBy={`${p.id}-heading`}
        value={code}
        onChange={(v) => {
          setCode(v);
        }}
        onSubmit={submit}
        submitLabel={t(p.submit)}
        busy={busy}
      />
    </section>
  );
}
