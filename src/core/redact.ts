/**
 * Secrets out of what is printed: a URL may carry a password in its userinfo
 * (`mqtts://user:pass@host:8883`, which mqtt.js accepts as the credentials) or credentials in its
 * query (a presigned WebSocket URL: `?X-Amz-Security-Token=…&X-Amz-Signature=…`, an SAS `sig`, a
 * `token`), and it is printed by `config show`, `config check` and the gateway's logs ("gateway
 * started", "uplink connected"). Config keys named like secrets are never printed either, not even
 * in a validation error.
 */

/** What stands for a secret wherever one would be printed. */
export const MASK = "********";

/** Config keys whose values are never printed: tokens, passwords, secrets and keys of any kind. */
const SECRET_KEY = /(token|password|secret|passphrase|key)$/i;

/** Whether a config key (the last segment of its path) names a secret. */
export function isSecretKey(key: string | number | undefined): boolean {
  return typeof key === "string" && SECRET_KEY.test(key);
}

/**
 * `url` with the password of its userinfo and every query value replaced by {@link MASK}
 * (`mqtts://alice:s3cret@h:8883` → `mqtts://alice:********@h:8883`,
 * `wss://h/mqtt?token=t` → `wss://h/mqtt?token=********`). The userinfo ends at the authority's
 * last `@`, as URL parsers read it, so a password containing `@` is masked whole. Anything that
 * is not a `scheme://` URL is returned as it is.
 */
export function redactUrl(url: string): string {
  const m = /^([a-z][a-z0-9+.-]*:\/\/)(?:([^/?#]*)@)?/i.exec(url);
  if (!m) return url;
  let head = m[0];
  const userinfo = m[2];
  if (userinfo !== undefined) {
    const colon = userinfo.indexOf(":");
    // a user name only: nothing secret
    if (colon >= 0) head = `${m[1]}${userinfo.slice(0, colon)}:${MASK}@`;
  }
  let rest = url.slice(m[0].length);
  const q = rest.indexOf("?");
  if (q >= 0) {
    const hash = rest.indexOf("#", q);
    const end = hash < 0 ? rest.length : hash;
    const query = rest
      .slice(q + 1, end)
      .split("&")
      .map((p) => {
        if (p === "") return p;
        const eq = p.indexOf("=");
        return eq < 0 ? MASK : `${p.slice(0, eq + 1)}${MASK}`;
      })
      .join("&");
    rest = `${rest.slice(0, q + 1)}${query}${rest.slice(end)}`;
  }
  return `${head}${rest}`;
}
