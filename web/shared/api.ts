/**
 * The pages' fetch client: same-origin requests with cookies (the console's `qh_console` and the
 * kiosk's `qh_kiosk` sessions are HttpOnly cookies; no token is ever kept in the page), JSON in and
 * out, and the gateway's coded errors `{ error: { code, message, hint, details } }` turned into an
 * `ApiError` the page maps to a catalogue string by its code.
 */

/** A refusal from the gateway (its `QH_…` code), or `QH_NETWORK` when it could not be reached. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly hint?: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

export function isApiError(err: unknown, code?: string): err is ApiError {
  return err instanceof ApiError && (code === undefined || err.code === code);
}

interface ErrorBody {
  error?: { code?: unknown; message?: unknown; hint?: unknown; details?: unknown };
}

/**
 * `method path` with an optional JSON body. Resolves to the parsed JSON (undefined for 204);
 * rejects with ApiError: the gateway's code for a coded answer, `QH_HTTP_<status>` for an uncoded
 * one, `QH_NETWORK` when the request did not get an answer (gateway down, cable out).
 */
export async function api<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      credentials: "same-origin",
      headers: body === undefined ? { accept: "application/json" } : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (err) {
    throw new ApiError(0, "QH_NETWORK", (err as Error).message);
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  if (res.ok) return parsed as T;
  const e = (parsed as ErrorBody | undefined)?.error;
  throw new ApiError(
    res.status,
    typeof e?.code === "string" ? e.code : `QH_HTTP_${res.status}`,
    typeof e?.message === "string" ? e.message : res.statusText,
    typeof e?.hint === "string" ? e.hint : undefined,
    e?.details && typeof e.details === "object" ? (e.details as Record<string, unknown>) : undefined,
  );
}
