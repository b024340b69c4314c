/**
 * At a site with cold lockers, the size screen first asks which temperature the parcel needs:
 * room temperature (the default: no zone asked) or one of the site's cold zones. Toggle buttons
 * (aria-pressed) with a tick and the word, so the choice never rests on colour.
 */
import { useT } from "../i18n.js";

export function ZoneChoice(props: {
  zones: string[];
  zone: string | undefined;
  onZone(z: string | undefined): void;
}) {
  const { t } = useT();
  const label = (z: string | undefined) =>
    z === undefined
      ? t("zone.ambient")
      : z === "chilled" || z === "frozen"
        ? t(`zone.${z}` as const)
        : t("zone.other", { zone: z });
  return (
    <fieldset class="zones">
      <legend>{t("zone.legend")}</legend>
      {[undefined, ...props.zones].map((z) => (
        <button
          key={z ?? "ambient"}
          type="button"
          class="secondary zone"
          aria-pressed={props.zone === z}
          onClick={() => props.onZone(z)}
          data-testid={`zone-${z ?? "ambient"}`}
        >
          {props.zone === z ? "✓ " : ""}
          {label(z)}
        </button>
      ))}
    </fieldset>
  );
}
