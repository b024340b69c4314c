/**
 * Secrets out of what is printed: a URL may carry a password in its userinfo
 * (`mqtts://user:pass@host:8883`, which mqtt.js accepts as the credentials), and it is printed by
 * `config show`, `config check` and the gateway's logs ("gateway started", "uplink connected").
 */

/** What stands for a secret wherever one would be printed. */
export const MASK = "********";

/**
 * `url` with the password of its userinfo replaced by {@link MASK}
 * (`mqtts://alice:s3cret@h:8883` → `mqtts://alice:********@h:8883`); anything that is not a URL
 * with a password is returned as it is.
 */
export function redactUrl(url: string): string {
  const m = /^([a-z][a-z0-9+.-]*:\/\/)([^/?#@]*)@/i.exec(url);
  if (!m) return url;
  const userinfo = m[2]!;
  const colon = userinfo.indexOf(":");
  if (colon < 0) return url; // a user name only: nothing secret
  return `${m[1]}${userinfo.slice(0, colon)}:${MASK}@${url.slice(m[0].length)}`;
}
