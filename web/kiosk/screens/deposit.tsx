/**
 * A courier's deposit after sign-in, one step per screen, following the session the gateway
 * holds (polled, so a barcode scanned at the scanner moves the screen on too): scan or type the
 * barcode → choose among the sizes free now (and, at a site with cold lockers, the temperature) → the door number big while it opens and is open →
 * "I have closed the door" → stored (the next parcel, or finish). A jammed door is told with the
 * door opened instead; a door shut empty, no compartment left, a cold zone in alarm are told too.
 * A pack label scanned while the door is open is told too: its lot recorded, or refused (lot-notice).
 */
import { useState } from "preact/hooks";
import { type Failure, failureOf } from "../failures.js";
import { useT } from "../i18n.js";
import {
  type Available,
  type DepositView,
  type KioskApi,
  type LotScanNotice,
  SIZES,
  type Size,
} from "../kiosk-api.js";
import { LotNotice } from "../lot-notice.js";
import { Message } from "../notice.js";
import { DoorNumber } from "./door-number.js";
import { ZoneChoice } from "./zone-choice.js";

export interface DepositProps {
  api: KioskApi;
  view: DepositView;
  /** the last lot scanned at this terminal: shown while its parcel's door is assigned or open */
  lot?: LotScanNotice | null;
  /** the site's cold zones: the size screen asks which temperature the parcel needs */
  zones?: string[];
  /** per cold zone, the free compartments per size (the counts once a zone is chosen) */
  availableByZone?: Record<string, Available>;
  offline: boolean;
  /** The gateway's newer view after an action (the poll would bring it a moment later). */
  onView(v: DepositView): void;
  onFinish(): void;
  onFatal(err: unknown): boolean;
}

export function Deposit(p: DepositProps) {
  const { t, lang } = useT();
  const [failure, setFailure] = useState<Failure | undefined>();
  const [stillOpen, setStillOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const [zone, setZone] = useState<string | undefined>();
  const run = async (action: () => Promise<DepositView | undefined>) => {
    setBusy(true);
    setFailure(undefined);
    try {
      const v = await action();
      if (v) p.onView(v);
    } catch (err) {
      if (!p.onFatal(err)) setFailure(failureOf(err, lang, "deposit"));
    } finally {
      setBusy(false);
    }
  };
  const v = p.view;
  const last = v.last;
  const finish = (
    <button type="button" class="secondary" onClick={p.onFinish} data-testid="finish">
      {t("deposit.finish")}
    </button>
  );
  const failed = failure && <Message tone="error" k={failure.key} params={failure.params} testid="failure" />;

  if (v.step === "scan") {
    return (
      <section class="deposit" aria-labelledby="scan-heading" data-testid="screen-scan">
        <h1 id="scan-heading">{t("scan.heading")}</h1>
        {last?.outcome === "deposited" && (
          <Message
            tone="ok"
            k={p.offline ? "deposit.doneOffline" : "deposit.done"}
            params={{ door: last.compartment ?? "?" }}
            testid="deposited"
          />
        )}
        <p class="hint">{t("scan.hint")}</p>
        <BarcodeForm busy={busy} onSubmit={(b) => run(() => p.api.barcode(b))} />
        {failed}
        <div class="row">
          {v.deposits > 0 && <p class="count">{t("scan.count", { n: v.deposits })}</p>}
          {finish}
        </div>
      </section>
    );
  }

  if (v.step === "size") {
    // a chosen cold zone shows only its own compartments' sizes and counts
    const free: Available = zone !== undefined ? (p.availableByZone?.[zone] ?? {}) : v.available;
    const sizes = SIZES.filter((s) => (free[s] ?? 0) > 0);
    return (
      <section class="deposit" aria-labelledby="size-heading" data-testid="screen-size">
        <h1 id="size-heading">{t("size.heading")}</h1>
        {/* this screen's own refusal says more (a cold zone in alarm, no compartment of that size) */}
        {last?.outcome === "no_compartment" && !failure && <Message tone="error" k="deposit.noCompartment" />}
        {last?.outcome === "deposit_failed" && (
          <Message
            tone="warn"
            k={last.reason === "closed_empty" ? "deposit.closedEmpty" : "deposit.failed"}
            params={{ door: last.compartment ?? "?" }}
            testid="deposit-failed"
          />
        )}
        {(p.zones?.length ?? 0) > 0 && <ZoneChoice zones={p.zones ?? []} zone={zone} onZone={setZone} />}
        {failed}
        {sizes.length === 0 ? (
          <Message tone="error" k="size.none" testid="no-size" />
        ) : (
          <div class="sizes">
            {sizes.map((s) => (
              <SizeButton
                key={s}
                size={s}
                free={free[s] ?? 0}
                offered={v.offer === s}
                disabled={busy}
                onChoose={() => run(() => p.api.size(s, zone))}
              />
            ))}
          </div>
        )}
        {finish}
      </section>
    );
  }

  // opening / open: the door number, big
  const moved = last?.outcome === "moved_after_jam" && last.compartment !== v.compartment;
  return (
    <section class="door-screen" aria-labelledby="door-heading" data-testid={`screen-${v.step}`}>
      <h1 id="door-heading">{t(v.step === "open" ? "door.open.heading" : "door.opening")}</h1>
      {v.compartment && <DoorNumber compartment={v.compartment} />}
      {moved && (
        <Message
          tone="warn"
          k="door.moved"
          params={{ from: last?.compartment ?? "?", to: v.compartment ?? "?" }}
          testid="door-moved"
        />
      )}
      {v.step === "open" && <p class="instruction">{t("door.open.body")}</p>}
      {p.lot && p.lot.parcelId === v.parcelId && <LotNotice key={p.lot.seq} notice={p.lot} />}
      {stillOpen && v.step === "open" && <Message tone="warn" k="door.stillOpen" testid="still-open" />}
      {failed}
      {v.step === "open" && (
        <button
          type="button"
          class="primary"
          data-testid="closed"
          onClick={() =>
            run(async () => {
              const s = await p.api.status();
              setStillOpen(s.deposit?.step === "open");
              return s.deposit ?? undefined;
            })
          }
        >
          {t("door.closedButton")}
        </button>
      )}
    </section>
  );
}

function SizeButton(props: {
  size: Size;
  free: number;
  offered: boolean;
  disabled: boolean;
  onChoose(): void;
}) {
  const { t } = useT();
  return (
    <button
      type="button"
      class="primary size"
      disabled={props.disabled}
      onClick={props.onChoose}
      data-testid={`size-${props.size}`}
    >
      <span class="size-name">
        {t(`size.${props.size}` as const)} <span class="size-code">{props.size}</span>
      </span>
      <span class="size-free">{t("size.free", { n: props.free })}</span>
      {props.offered && <span class="size-offer">★ {t("size.offer")}</span>}
    </button>
  );
}

function BarcodeForm(props: { busy: boolean; onSubmit(barcode: string): void }) {
  const { t } = useT();
  const [value, setValue] = useState("");
  return (
    <form
      class="barcode"
      onSubmit={(e) => {
        e.preventDefault();
        if (value.trim()) props.onSubmit(value.trim());
      }}
    >
      <label for="barcode-input">{t("scan.label")}</label>
      <input
        id="barcode-input"
        data-testid="barcode-input"
        value={value}
        autocomplete="off"
        onInput={(e) => setValue((e.target as HTMLInputElement).value)}
      />
      <button
        type="submit"
        class="primary"
        disabled={props.busy || !value.trim()}
        data-testid="barcode-submit"
      >
        {t("scan.submit")}
      </button>
    </form>
  );
}
