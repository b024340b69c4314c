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

/**
 * `dev/{device}/evt/{type}`, `…/tele`, `…/state`, `…/cmd-result/{commandId}` or `…/cmd/{name}`, every
 * level non-empty; undefined for anything else. Read with indexOf, not split: it runs for every
 * device publish (docs/performance.md, seventh pass).
 */
export function parseDeviceTopic(topic: string): DeviceTopic | undefined {
  if (!topic.startsWith("dev/")) return undefined;
  const end = topic.indexOf("/", 4); // after {device}
  if (end <= 4) return undefined;
  const device = topic.slice(4, end);
  const kindEnd = topic.indexOf("/", end + 1);
  if (kindEnd === -1) {
    const kind = topic.slice(end + 1);
    if (kind === "tele") return { kind: "tele", device };
    if (kind === "state") return { kind: "state", device };
    return undefined;
  }
  const last = topic.slice(kindEnd + 1);
  if (last.length === 0 || last.includes("/")) return undefined;
  switch (topic.slice(end + 1, kindEnd)) {
    case "evt":
      return { kind: "evt", device, type: last };
    case "cmd-result":
      return { kind: "cmd-result", device, commandId: last };
    case "cmd":
      return { kind: "cmd", device, name: last };
    default:
      return undefined;
  }
}
