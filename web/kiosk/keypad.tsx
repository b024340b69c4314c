/**
 * The numeric keypad for codes: large keys (at least 96 × 80 px), the number entered shown big
 * above them, Delete and Clear as words; the digit keys of a hardware keyboard work too.
 */
import { useEffect } from "preact/hooks";
import { useT } from "./i18n.js";

export interface KeypadProps {
  /** id of the element naming what is typed (e.g. the heading "请输入取件码"). */
  labelledBy: string;
  value: string;
  onChange(value: string): void;
  onSubmit(): void;
  submitLabel: string;
  maxLength?: number;
  busy?: boolean;
}

const KEYS = ["1", "2", "3", "4", "5", "6", "7", "8", "9"];

export function Keypad(p: KeypadProps) {
  const { t } = useT();
  const max = p.maxLength ?? 12;
  const add = (d: string) => p.value.length < max && p.onChange(p.value + d);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.target instanceof HTMLInputElement) return;
      if (/^[0-9]$/.test(e.key)) add(e.key);
      else if (e.key === "Backspace") p.onChange(p.value.slice(0, -1));
      else if (e.key === "Enter" && p.value.length > 0 && !p.busy) p.onSubmit();
      else return;
      e.preventDefault();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  });
  return (
    <div class="keypad-wrap">
      <output
        class="code-display"
        aria-labelledby={p.labelledBy}
        data-testid="code-display"
        aria-live="polite"
      >
        {p.value.length > 0 ? p.value : <span class="placeholder">{t("keypad.empty")}</span>}
      </output>
      <div class="keypad">
        {KEYS.map((d) => (
          <button type="button" class="key" key={d} onClick={() => add(d)} data-testid={`key-${d}`}>
            {d}
          </button>
        ))}
        <button type="button" class="key key-word" onClick={() => p.onChange("")} data-testid="key-clear">
          {t("keypad.clear")}
        </button>
        <button type="button" class="key" onClick={() => add("0")} data-testid="key-0">
          0
        </button>
        <button
          type="button"
          class="key key-word"
          onClick={() => p.onChange(p.value.slice(0, -1))}
          data-testid="key-delete"
        >
          {t("keypad.delete")}
        </button>
      </div>
      <button
        type="button"
        class="primary submit"
        disabled={p.value.length === 0 || p.busy}
        onClick={p.onSubmit}
        data-testid="submit"
      >
        {p.submitLabel}
      </button>
    </div>
  );
}
