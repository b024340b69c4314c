/**
 * The northbound topic tree, root R = {topicPrefix}/{gateway.id}. See docs/contract.md.
 */
export class UplinkTopics {
  readonly root: string;
  readonly status: string;
  readonly events: string;
  readonly cmdFilter: string;
  private readonly cmdPrefix: string;

  constructor(prefix: string, gatewayId: string) {
    this.root = `${prefix.replace(/\/+$/, "")}/${gatewayId}`;
    this.status = `${this.root}/status`;
    this.events = `${this.root}/events`;
    this.cmdPrefix = `${this.root}/cmd/`;
    this.cmdFilter = `${this.root}/cmd/+`;
  }

  event(device: string, type: string): string {
    return `${this.root}/dev/${device}/evt/${type}`;
  }

  /** A request with a deadline (not an event: no seq, not stored), e.g. vend.authorize. */
  request(device: string, type: string): string {
    return `${this.root}/dev/${device}/req/${type}`;
  }

  tele(device: string): string {
    return `${this.root}/dev/${device}/tele`;
  }

  state(device: string): string {
    return `${this.root}/dev/${device}/state`;
  }

  cmdResult(commandId: string): string {
    return `${this.root}/cmd-result/${commandId}`;
  }

  /** The command name of a `R/cmd/{name}` topic, or undefined. */
  commandName(topic: string): string | undefined {
    if (!topic.startsWith(this.cmdPrefix)) return undefined;
    const name = topic.slice(this.cmdPrefix.length);
    return name.length > 0 && !name.includes("/") ? name : undefined;
  }
}

/** Device-side topics on the embedded broker: `dev/{id}/…`. */
export type DeviceTopic =
  | { kind: "evt"; device: string; type: string }
  | { kind: "tele"; device: string }
  | { kind: "state"; device: string }
  | { kind: "cmd-result"; device: string; commandId: string }
  | { kind: "cmd"; device: string; name: string };

export function parseDeviceTopic(topic: string): DeviceTopic | undefined {
  const p = topic.split("/");
  if (p[0] !== "dev" || !p[1]) return undefined;
  const device = p[1];
  if (p[2] === "evt" && p.length === 4 && p[3]) return { kind: "evt", device, type: p[3] };
  if (p[2] === "tele" && p.length === 3) return { kind: "tele", device };
  if (p[2] === "state" && p.length === 3) return { kind: "state", device };
  if (p[2] === "cmd-result" && p.length === 4 && p[3]) return { kind: "cmd-result", device, commandId: p[3] };
  if (p[2] === "cmd" && p.length === 4 && p[3]) return { kind: "cmd", device, name: p[3] };
  return undefined;
}
