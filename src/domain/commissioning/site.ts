/**
 * What the commissioning tools reach on a site, registered by the verticals that own the lines
 * (src/extensions/locker.ts, cold.ts, vending.ts) and read by the ops extension
 * (src/extensions/ops.ts): each serial line (how to probe one address, its health) and each
 * locker bank (its doors, how to read and pulse one).
 */
import type { CompartmentView } from "../locker/types.js";

/** What one probed address answered (the scan's result per address). */
export interface ScanAnswer {
  address: number;
  /** something answered at this address (a valid frame, a refusal, or bytes that are no frame) */
  answered: boolean;
  /** ok: a valid answer; silent: nothing; garbled: bytes that are no frame; refused: a protocol refusal */
  status: "ok" | "silent" | "garbled" | "refused";
  /** the device model the config has at this address (the wire does not name models) */
  model?: string;
  /** the config's device at this address */
  device?: string;
  /** one line for people: who answered and what they report */
  detail: string;
  /** what the device reported, by protocol (lock boards: locks, open doors; controllers: values) */
  report?: Record<string, unknown>;
}

/** The live state of one line, for the live view and the console. */
export interface LineHealth {
  bus: string;
  connected: boolean;
  /** targets (boards, controllers) the bus master keeps health for */
  targets: { target: string; reachable: boolean; failures: number }[];
}

export interface ScanLine {
  bus: string;
  protocol: string;
  /** addresses the protocol allows, inclusive */
  range: readonly [number, number];
  /** what a scan without from/to probes (default: `range`) */
  defaultRange?: readonly [number, number];
  /** one probe of one address: reads only; rejects QH_SERIAL_CLOSED when the line is down */
  probe?: (address: number) => Promise<ScanAnswer>;
  /** why the line cannot be scanned (then `probe` is absent) */
  unsupported?: string;
  health?: () => LineHealth;
  /** bus-master events (target reachability, link up/down); returns unsubscribe */
  watch?: (listener: (h: LineHealth) => void) => () => void;
}

/** One compartment of a bank as the door test numbers it. */
export interface BankLock {
  /** 1-based position in the bank's model (the door test's `locks`) */
  lock: number;
  compartment: string;
  /** the board's bus address and the lock on it */
  address: number;
  boardLock: number;
}

export interface DoorTestBank {
  bank: string;
  bus: string;
  model: string;
  locks: BankLock[];
  /** read the door now (a board read): true open; rejects when the board does not answer */
  read(compartment: string): Promise<boolean | undefined>;
  /** one pulse through the locker's door truth (recorded intent, never repeated blindly) */
  pulse(compartment: string): Promise<string>;
  view(compartment: string): CompartmentView;
  /** a simulated line: the simulator shuts the door `ms` from now (the installer's hand) */
  shutByHand?(compartment: string, ms: number): void;
}

/** The registry the verticals fill in while they are built. */
export class CommissioningSite {
  readonly lines = new Map<string, ScanLine>();
  readonly banks = new Map<string, DoorTestBank>();

  addLine(line: ScanLine): void {
    this.lines.set(line.bus, line);
  }

  addBank(bank: DoorTestBank): void {
    this.banks.set(bank.bank, bank);
  }
}

/** The health and watch of a line from its bus master's own view (a structural type: no import). */
export function masterHealth(
  bus: string,
  master: {
    readonly connected: boolean;
    targets(): { target: string; reachable: boolean; failures: number }[];
    on(event: "target" | "link", listener: () => void): () => void;
  },
): Pick<ScanLine, "health" | "watch"> {
  const health = (): LineHealth => ({
    bus,
    connected: master.connected,
    targets: master
      .targets()
      .map((t) => ({ target: t.target, reachable: t.reachable, failures: t.failures })),
  });
  return {
    health,
    watch: (listener) => {
      const offs = [
        master.on("target", () => listener(health())),
        master.on("link", () => listener(health())),
      ];
      return () => {
        for (const off of offs) off();
      };
    },
  };
}
