/** The door number, as big as the screen allows: what a courier or a resident looks for. */
import { useT } from "../i18n.js";

export function DoorNumber(props: { compartment: string }) {
  const { t } = useT();
  return (
    <p class="door-number" data-testid="door-number">
      <span class="door-label">{t("door.label")}</span>
      <span class="door-id">{props.compartment}</span>
    </p>
  );
}
