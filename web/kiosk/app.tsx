/**
 * The kiosk: which screen shows, what the gateway says (polled: the deposit session, the last door
 * notice of this terminal, the uplink), the language switch and the time limit. The terminal is
 * the page's path (`/kiosk/{terminal}`); the page authenticates with the terminal's cookie.
 */
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { ApiError, isApiError } from "../shared/api.js";
import { LangSwitch } from "../shared/lang-switch.js";
import { failureOf, needsPairing, setSiteTimeZone } from "./failures.js";
import { useT } from "./i18n.js";
import { TimeoutWarning, useIdleLimit } from "./idle.js";
import {
  type Available,
  type CollectView,
  type DepositView,
  type KioskStatus,
  kioskApi,
  type LotScanNotice,
  uplinkConnected,
} from "./kiosk-api.js";
import { Message, Notice } from "./notice.js";
import { CodeEntry } from "./screens/code-entry.js";
import { Collect, type CollectState } from "./screens/collect.js";
import { Deposit } from "./screens/deposit.js";
import { distributionApi, Loading, VolunteerChoice } from "./screens/distribution.js";
import { Home } from "./screens/home.js";
import { Pairing } from "./screens/pairing.js";
import { TakeBack } from "./screens/take-back.js";
import { UnknownTerminal } from "./screens/unknown-terminal.js";
import { SiteModeBanner, type SiteModeView } from "./site-mode.js";

type Screen =
  | "loading"
  | "pairing"
  | "unknown"
  | "home"
  | "pickup"
  | "courier"
  | "deposit"
  | "collect"
  | "volunteer"
  | "bundles"
  | "takeback";
const POLL_MS = 1000;
const HEALTH_MS = 5000;
const TAKE_BACK_MS = 3000;

export function App(props: { terminal: string }) {
  const { t, lang, setLang } = useT();
  const api = useRef(kioskApi(props.terminal)).current;
  const [screen, setScreen] = useState<Screen>("loading");
  const [deposit, setDeposit] = useState<DepositView | null>(null);
  const [collect, setCollect] = useState<CollectState | undefined>();
  const [flash, setFlash] = useState<"deposit.ended" | undefined>();
  const [offline, setOffline] = useState(false);
  const [lot, setLot] = useState<LotScanNotice | null>(null);
  // a resident's scanned pickup code refused (the status's pickupRefused): worded as if typed
  const [scanRefused, setScanRefused] = useState<ApiError | undefined>();
  const refusedSeen = useRef<number | undefined>(undefined);
  const [zones, setZones] = useState<string[]>([]);
  const [byZone, setByZone] = useState<Record<string, Available>>({});
  const [siteMode, setSiteMode] = useState<SiteModeView | null | undefined>();
  const emergency = siteMode?.mode === "emergency"; // volunteers load bundles (screens/distribution.tsx)
  // outside emergency mode: how many bundles wait to be taken back (volunteers may sign in then)
  const [toTakeBack, setToTakeBack] = useState(0);
  // the terminal's last door notice, and the bundles whose doors this page opened to take them back
  const [notice, setNotice] = useState<CollectView | null>(null);
  const takingBack = useRef(new Set<string>());
  const seen = useRef<number | undefined>(undefined);
  const screenRef = useRef(screen);
  screenRef.current = screen;

  const fatal = useCallback((err: unknown) => {
    const unknown = isApiError(err, "QH_LOCKER_TERMINAL_UNKNOWN");
    if (!unknown && !needsPairing(err)) return false;
    setScreen(unknown ? "unknown" : "pairing");
    return true;
  }, []);
  const go = (s: Screen) => {
    setFlash(undefined);
    setScanRefused(undefined);
    setScreen(s);
  };

  // paired? a terminal the site does not have: the "not set up" screen (a gateway without pairing
  // routes answers an uncoded 404: its kiosk routes decide alone)
  useEffect(() => {
    api.whoami().then(
      () => setScreen("home"),
      (err) => {
        if (!fatal(err)) setScreen("home");
      },
    );
  }, [api, fatal]);

  const apply = useCallback((s: KioskStatus) => {
    const now = screenRef.current;
    if (s.timeZone) setSiteTimeZone(s.timeZone);
    setSiteMode(s.siteMode);
    setDeposit(s.deposit);
    setLot(s.lot ?? null);
    setZones((z) => (z.join() === (s.zones ?? []).join() ? z : (s.zones ?? [])));
    setByZone(s.availableByZone ?? {});
    if (s.deposit && (now === "home" || now === "courier" || now === "pickup")) setScreen("deposit");
    if (!s.deposit && now === "deposit") {
      setFlash("deposit.ended");
      setScreen("home");
    }
    const c = s.collect;
    setNotice((prev) => (prev?.seq === c?.seq ? prev : (c ?? null)));
    if (c && c.kind === "pickup" && takingBack.current.has(c.parcelId)) {
      // a bundle's door a volunteer opened here: the take-back screen follows it, not a collection
      // (until that door is shut or jammed: a bundle left inside may still be its resident's)
      if (seen.current === undefined || c.seq > seen.current) seen.current = c.seq;
      if (c.status !== "open") takingBack.current.delete(c.parcelId);
    } else if (c && c.kind === "pickup") {
      if (seen.current === undefined) seen.current = c.seq; // a notice from before this page
      if (c.seq > seen.current) {
        seen.current = c.seq;
        if (now === "home" || now === "pickup" || now === "collect")
          setCollect((prev) => ({
            ...prev,
            compartment: c.compartment,
            status: c.status,
            ...(c.bundle ? { bundle: true } : {}),
          }));
        if (now === "home" || now === "pickup") setScreen("collect");
      }
    } else if (seen.current === undefined) seen.current = 0;
    const r = s.pickupRefused ?? null;
    if (refusedSeen.current === undefined) refusedSeen.current = r?.seq ?? 0; // from before this page
    if (r && r.seq > refusedSeen.current) {
      refusedSeen.current = r.seq;
      if (now === "home" || now === "pickup" || now === "collect") {
        setScanRefused(new ApiError(r.status, r.code, r.message, undefined, r.details));
        if (now === "collect") setScreen("home"); // an earlier resident's door screen
      }
    } else if (!r) setScanRefused(undefined); // served no more (a minute passed, or a door opened)
  }, []);

  const idleScreen = screen === "loading" || screen === "pairing" || screen === "unknown";
  useEffect(() => {
    if (idleScreen) return;
    let stop = false;
    const poll = () =>
      api.status().then(
        (s) => !stop && apply(s),
        (err) => !stop && fatal(err),
      );
    poll();
    const timer = setInterval(poll, POLL_MS);
    return () => {
      stop = true;
      clearInterval(timer);
    };
  }, [idleScreen, api, apply, fatal]);

  // the start screen outside emergency mode: is some bundle waiting to be taken back? (the
  // volunteer's view; a gateway without distribution rounds answers 404: nothing waits)
  const home = screen === "home";
  useEffect(() => {
    if (!home || emergency) return;
    let stop = false;
    const check = () =>
      distributionApi(props.terminal)
        .status()
        .then(
          (d) => !stop && setToTakeBack(d.retrieve?.length ?? 0),
          () => !stop && setToTakeBack(0),
        );
    check();
    const timer = setInterval(check, TAKE_BACK_MS);
    return () => {
      stop = true;
      clearInterval(timer);
    };
  }, [home, emergency, props.terminal]);

  useEffect(() => {
    const check = () => uplinkConnected().then((c) => setOffline(c === false));
    check();
    const timer = setInterval(check, HEALTH_MS);
    return () => clearInterval(timer);
  }, []);

  const finishDeposit = () => {
    api.endDeposit().catch(fatal);
    setDeposit(null);
    go("home");
  };
  const idle = useIdleLimit(screen !== "home" && !idleScreen, () => {
    if (screenRef.current === "deposit") api.endDeposit().catch(fatal);
    if (screenRef.current === "bundles" || screenRef.current === "takeback")
      distributionApi(props.terminal).end().catch(fatal);
    setDeposit(null);
    setCollect(undefined);
    setLang("zh"); // the next person starts in Chinese
    go("home");
  });

  return (
    <div class="kiosk">
      <header class="top">
        <p class="brand">
          <span class="app-name">{t("app.name")}</span>
          <span class="terminal">{t("app.terminal", { terminal: props.terminal })}</span>
        </p>
        <LangSwitch label={t("lang.other")} class="secondary lang-switch" />
      </header>
      <SiteModeBanner mode={siteMode} brief={screen !== "home"} />
      {offline && (
        <Notice tone="info" testid="offline">
          <span class="notice-title">{t("status.offline.heading")}</span> {t("status.offline")}
        </Notice>
      )}
      {idle.left !== null && <TimeoutWarning left={idle.left} onExtend={idle.extend} />}
      <main>
        {flash && <Message tone="info" k={flash} testid="flash" />}
        {scanRefused &&
          (screen === "home" || screen === "pickup") &&
          (() => {
            const f = failureOf(scanRefused, lang, "pickup", props.terminal);
            return <Message tone="error" k={f.key} params={f.params} testid="scan-refused" />;
          })()}
        {screen === "loading" && <p>{t("loading")}</p>}
        {screen === "unknown" && <UnknownTerminal terminal={props.terminal} />}
        {screen === "pairing" && <Pairing api={api} terminal={props.terminal} onPaired={() => go("home")} />}
        {screen === "home" && (
          <Home onPickup={() => go("pickup")} onCourier={() => go("courier")} emergency={emergency} />
        )}
        {screen === "home" && emergency && <VolunteerChoice onClick={() => go("volunteer")} />}
        {screen === "home" && !emergency && siteMode !== undefined && toTakeBack > 0 && (
          <VolunteerChoice takeBack={toTakeBack} onClick={() => go("volunteer")} />
        )}
        {screen === "volunteer" && (
          <CodeEntry
            id="volunteer"
            heading="distribution.volunteer.heading"
            submit="distribution.volunteer.submit"
            hint="distribution.volunteer.hint"
            context="courier"
            terminal={props.terminal}
            onBack={() => go("home")}
            onFatal={fatal}
            send={async (code) => {
              await distributionApi(props.terminal).volunteer(code);
              go(emergency ? "bundles" : "takeback");
            }}
          />
        )}
        {screen === "bundles" && (
          <Loading
            terminal={props.terminal}
            onFinish={() => go("home")}
            onTakeBack={() => go("takeback")}
            onFatal={fatal}
          />
        )}
        {screen === "takeback" && (
          <TakeBack
            terminal={props.terminal}
            emergency={emergency}
            notice={notice}
            onTaking={(id) => takingBack.current.add(id)}
            onLoad={() => go("bundles")}
            onFinish={() => go("home")}
            onFatal={fatal}
          />
        )}
        {screen === "pickup" && (
          <CodeEntry
            id="pickup"
            heading="pickup.heading"
            submit="pickup.submit"
            context="pickup"
            terminal={props.terminal}
            onBack={() => go("home")}
            onFatal={fatal}
            send={async (code) => {
              const r = await api.pickup(code);
              setCollect({
                compartment: r.compartment,
                status: "open",
                breaches: r.coldChainBreach,
                bundle: r.kind === "bundle",
              });
              go("collect");
            }}
          />
        )}
        {screen === "courier" && (
          <CodeEntry
            id="courier"
            heading="courier.heading"
            submit="courier.submit"
            hint="courier.scanHint"
            context="courier"
            terminal={props.terminal}
            onBack={() => go("home")}
            onFatal={fatal}
            send={async (code) => {
              setDeposit(await api.startDeposit(code));
              go("deposit");
            }}
          />
        )}
        {screen === "deposit" && deposit && (
          <Deposit
            api={api}
            view={deposit}
            lot={lot}
            zones={zones}
            availableByZone={byZone}
            offline={offline}
            onView={setDeposit}
            onFinish={finishDeposit}
            onFatal={fatal}
          />
        )}
        {screen === "collect" && collect && (
          <Collect
            state={collect}
            onHome={() => {
              setCollect(undefined);
              go("home");
            }}
          />
        )}
      </main>
    </div>
  );
}
