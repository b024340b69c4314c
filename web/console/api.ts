/**
 * The console's calls to `/api/v1…`: web/shared/api.ts (same-origin, the HttpOnly qh_console
 * cookie, coded errors as ApiError) with the console's two additions: paths are relative to
 * /api/v1, and a 401 anywhere but the session routes sends the installer back to the login form
 * (a gateway restart ends every session).
 */
import { ApiError, api as call } from "../shared/api.js";

export { ApiError };

let onUnauthorized: () => void = () => {};
/** Called on every 401 outside /session so that the app returns to the login screen. */
export function setUnauthorizedHandler(f: () => void): void {
  onUnauthorized = f;
}

/**
 * `method /api/v1{path}` with an optional JSON body (state-changing routes need
 * application/json: the CSRF guard). Resolves to the parsed JSON, undefined for 204.
 * @throws ApiError with the gateway's code, message and hint (QH_NETWORK: no answer)
 */
export async function api<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
  try {
    return await call<T>(method, `/api/v1${path}`, body);
  } catch (err) {
    if (err instanceof ApiError && err.status === 401 && !path.startsWith("/session")) onUnauthorized();
    throw err;
  }
}

/** The answer of every config write: applied now, or saved and waiting for a restart. */
export interface ApplyResult {
  applied?: boolean;
  restartRequired?: boolean;
  why?: string;
}
