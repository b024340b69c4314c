/**
 * The screen's time limit (WCAG 2.2.1): after IDLE_S seconds without a touch the kiosk goes back
 * to the start (the next person must not find someone else's screen), but WARN_S seconds before
 * that a banner on the screen (not a pop-up) counts down with a button to get more time; any touch
 * or key also starts the limit again. WARN_S ≥ 20 s, as WCAG asks.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import { useT } from "./i18n.js";

export const IDLE_S = 90;
export const WARN_S = 30;

/** Seconds left while the warning shows (else null), and `extend()` to start the limit again. */
export function useIdleLimit(active: boolean, onTimeout: () => void) {
  const [left, setLeft] = useState<number | null>(null);
  const last = useRef(Date.now());
  const fire = useRef(onTimeout);
  fire.current = onTimeout;
  useEffect(() => {
    if (!active) {
      setLeft(null);
      return;
    }
    last.current = Date.now();
    const touch = () => {
      last.current = Date.now();
    };
    window.addEventListener("pointerdown", touch, true);
    window.addEventListener("keydown", touch, true);
    const tick = setInterval(() => {
      const remaining = IDLE_S - Math.floor((Date.now() - last.current) / 1000);
      if (remaining <= 0) {
        setLeft(null);
        fire.current();
      } else setLeft(remaining <= WARN_S ? remaining : null);
    }, 500);
    return () => {
      clearInterval(tick);
      window.removeEventListener("pointerdown", touch, true);
      window.removeEventListener("keydown", touch, true);
    };
  }, [active]);
  const extend = () => {
    last.current = Date.now();
    setLeft(null);
  };
  return { left, extend };
}

export function TimeoutWarning(props: { left: number; onExtend(): void }) {
  const { t } = useT();
  return (
    <section class="timeout" data-testid="timeout-warning" aria-labelledby="timeout-text">
      <p id="timeout-text" role="timer" aria-live="off">
        {t("timeout.warning", { s: props.left })}
      </p>
      <button type="button" class="primary" onClick={props.onExtend} data-testid="timeout-extend">
        {t("timeout.extend")}
      </button>
    </section>
  );
}
