/**
 * The start screen: two big choices, resident (collect) or courier (deliver). In emergency mode
 * the resident's choice names supply bundles too (the same code entry collects both).
 */
import { useT } from "../i18n.js";

export function Home(props: { onPickup(): void; onCourier(): void; emergency?: boolean }) {
  const { t } = useT();
  return (
    <section class="home" aria-labelledby="home-heading">
      <h1 id="home-heading">{t("home.heading")}</h1>
      <div class="choices">
        <button type="button" class="primary choice" onClick={props.onPickup} data-testid="home-pickup">
          <span class="choice-main">{t(props.emergency ? "home.pickup.emergency" : "home.pickup")}</span>
          <span class="choice-sub">
            {t(props.emergency ? "home.pickup.sub.emergency" : "home.pickup.sub")}
          </span>
        </button>
        <button type="button" class="primary choice" onClick={props.onCourier} data-testid="home-deposit">
          <span class="choice-main">{t("home.deposit")}</span>
          <span class="choice-sub">{t("home.deposit.sub")}</span>
        </button>
      </div>
      <p class="hint">{t("home.scanHint")}</p>
    </section>
  );
}
