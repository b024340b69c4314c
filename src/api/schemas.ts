/**
 * Shared JSON Schemas of the API's answers (for fastify's serializer and the OpenAPI document).
 */
// the OpenAPI keys (tags, summary) on route schemas
import "@fastify/swagger";

/** The coded error body every refusal has: `{ error: { code, message, hint, details? } }`. */
export const errorBody = {
  type: "object",
  required: ["error"],
  properties: {
    error: {
      type: "object",
      required: ["code", "message"],
      properties: {
        code: { type: "string", pattern: "^QH_[A-Z0-9_]+$" },
        message: { type: "string" },
        hint: { type: "string" },
        details: {},
      },
    },
  },
} as const;

/** `{ [status]: errorBody }` for each status given, for a route's `response` schema. */
export function errorResponses(...statuses: number[]): Record<number, typeof errorBody> {
  return Object.fromEntries(statuses.map((s) => [s, errorBody]));
}
