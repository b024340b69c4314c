/**
 * The console's HTTP client: same-origin fetch with the session cookie (qh_console, HttpOnly: the
 * page never sees it, and never holds the API token after the login request). Every refusal of the
 * gateway is `{ error: { code, message, hint } }` (docs/contract.md); it is thrown as ApiError.
 */

/** A refusal from the gateway, or a network failure (status 0, code QH_NETWORK). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly hint?: string,
  ) {
    super(message);
  }
}

/** Called on every 401 so that the app returns to the login screen (a restart logs out). */
let onUnauthorized: () => void = () => {};
export function setUnauthorizedHandler(f: () => void): void {
  onUnauthorized = f;
}

/**
 * Calls `/api/v1{path}`. A body is sent as JSON (every state-changing route needs
 * application/json: the CSRF guard). Returns the parsed JSON, or undefined for 204.
 * @throws ApiError with the gateway's code, message and hint
 */
export async function api<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(`/api/v1${path}`, {
      method,
      credentials: "same-origin",
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (err) {
    throw new ApiError(0, "QH_NETWORK", err instanceof Error ? err.message : String(err));
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (!res.ok) {
    const e = (json as { error?: { code?: string; message?: string; hint?: string } } | undefined)?.error;
    if (res.status === 401 && !path.startsWith("/session")) onUnauthorized();
    throw new ApiError(res.status, e?.code ?? `HTTP_${res.status}`, e?.message ?? res.statusText, e?.hint);
  }
  return json as T;
}

/** The answer of every config write (p12api): applied now, or saved and waiting for a restart. */
export interface ApplyResult {
  applied?: boolean;
  restartRequired?: boolean;
  why?: string;
}
