/** An unpaired screen: the installer types the terminal's one-time pairing code (8 digits). */
import type { KioskApi } from "../kiosk-api.js";
import { CodeEntry } from "./code-entry.js";

export function Pairing(props: { api: KioskApi; terminal: string; onPaired(): void }) {
  return (
    <CodeEntry
      id="pairing"
      heading="pairing.heading"
      submit="pairing.submit"
      hint="pairing.body"
      hintParams={{ terminal: props.terminal }}
      context="pairing"
      terminal={props.terminal}
      send={async (code) => {
        await props.api.pair(code);
        props.onPaired();
      }}
    />
  );
}
