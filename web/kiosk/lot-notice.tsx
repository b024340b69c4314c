/**
 * What became of the pack label a courier just scanned into the parcel behind the open door
 * (src/extensions/lot-scan.ts): recorded (GTIN, lot, expiry), refused because expired or recalled
 * (and what to do with the pack), or unreadable (what was wrong). On the screen, never a pop-up;
 * a refusal is announced (role alert).
 */
import { useT } from "./i18n.js";
import type { LotScanNotice } from "./kiosk-api.js";
import { Message } from "./notice.js";

const INVALID = {
  QH_GS1_CHECK_DIGIT: "lot.invalid.checkDigit",
  QH_GS1_DATE: "lot.invalid.date",
  QH_GS1_SEPARATOR: "lot.invalid.separator",
} as const;

export function LotNotice(props: { notice: LotScanNotice }) {
  const { t } = useT();
  const n = props.notice;
  const lot = { gtin: n.gtin ?? "?", lot: n.lot ?? "?", expiry: n.expiry ?? "?" };
  switch (n.outcome) {
    case "recorded":
      return (
        <Message
          tone="ok"
          k={n.expiry ? "lot.recorded" : "lot.recordedNoExpiry"}
          params={lot}
          testid="lot-recorded"
          extra={
            [
              n.quantity !== undefined && n.quantity > 1 ? t("lot.count", { n: n.quantity }) : "",
              n.warnings && n.warnings.length > 0 ? t("lot.warn.separator") : "",
            ]
              .filter(Boolean)
              .join(" ") || undefined
          }
        />
      );
    case "expired":
      return <Message tone="error" k="lot.expired" params={lot} testid="lot-expired" />;
    case "recalled":
      return <Message tone="error" k="lot.recalled" params={lot} testid="lot-recalled" />;
    case "invalid":
      return (
        <Message
          tone="error"
          k={INVALID[n.code as keyof typeof INVALID] ?? "lot.invalid.missing"}
          testid="lot-invalid"
        />
      );
    default:
      return <Message tone="error" k="lot.failed" params={{ code: n.code ?? "?" }} testid="lot-failed" />;
  }
}
