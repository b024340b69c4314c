/**
 * A resident's door is open (typed or scanned code): the door number big, what to do, a cold-chain
 * warning when the parcel's compartment was out of temperature, then "done" when the door closes
 * (or: the parcel is still inside, or the door did not open).
 */
import { type Key, useT } from "../i18n.js";
import type { ColdBreach } from "../kiosk-api.js";
import { Message, Notice } from "../notice.js";
import { DoorNumber } from "./door-number.js";

export interface CollectState {
  compartment: string;
  status: "open" | "done" | "not_removed" | "jammed";
  breaches?: ColdBreach[];
  /** a distribution round's bundle of supplies, not a parcel: the words say so */
  bundle?: boolean;
}

/** The heading says what the door is now: open until the gateway reports it shut (or jammed). */
const HEADING: Record<CollectState["status"], Key> = {
  open: "pickup.open.heading",
  done: "pickup.closed.heading",
  not_removed: "pickup.closed.heading",
  jammed: "pickup.jammed.heading",
};

export function Collect(props: { state: CollectState; onHome(): void }) {
  const { t } = useT();
  const s = props.state;
  return (
    <section class="door-screen" aria-labelledby="collect-heading" data-testid="screen-collect">
      <h1 id="collect-heading">{t(HEADING[s.status])}</h1>
      <DoorNumber compartment={s.compartment} />
      {s.status === "open" && (
        <p class="instruction">{t(s.bundle ? "pickup.open.bodyBundle" : "pickup.open.body")}</p>
      )}
      {s.status === "done" && <Message tone="ok" k="pickup.done" testid="collect-done" />}
      {s.status === "not_removed" && <Message tone="warn" k="pickup.notRemoved" />}
      {s.status === "jammed" && <Message tone="error" k="pickup.jammed" />}
      {s.breaches?.map((b, i) => (
        <Notice tone="warn" key={i} testid="cold-breach">
          <span class="notice-title">{t("cold.breach.heading")}</span>{" "}
          {b.peakC === null
            ? t("cold.breach.bodyNoPeak", { minutes: b.minutesOutOfRange })
            : t("cold.breach.body", { peak: b.peakC, minutes: b.minutesOutOfRange })}
        </Notice>
      ))}
      <button type="button" class="primary" onClick={props.onHome} data-testid="home">
        {t("common.home")}
      </button>
    </section>
  );
}
