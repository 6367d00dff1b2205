/**
 * The one error envelope: `{ error: { code, message, details?, requestId } }`.
 * Codes are a closed set, each mapped to exactly one HTTP status. Routes throw `ApiError` (or map a
 * domain failure to one); `onError` renders it. Unexpected errors become `internal` without internals.
 */
import { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { AppEnv } from "./app-env";

export const ERROR_STATUS = {
  bad_request: 400,
  validation_failed: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  unprocessable: 422,
  rate_limited: 429,
  internal: 500,
  upstream_unavailable: 503,
} as const satisfies Record<string, ContentfulStatusCode>;

export type ErrorCode = keyof typeof ERROR_STATUS;

export const ErrorCodeSchema = z.enum(Object.keys(ERROR_STATUS) as [ErrorCode, ...ErrorCode[]]);

export const ErrorEnvelopeSchema = z
  .object({
    error: z.object({
      code: ErrorCodeSchema,
      message: z.string(),
      details: z.unknown().optional(),
      requestId: z.string(),
    }),
  })
  .openapi("Error");

export type ErrorEnvelope = z.infer<typeof ErrorEnvelopeSchema>;

/** An expected HTTP failure with a code from the closed set. */
export class ApiError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = "ApiError";
  }

  get status(): ContentfulStatusCode {
    return ERROR_STATUS[this.code];
  }
}

export const notFound = (what: string, details?: unknown) => new ApiError("not_found", `${what} not found`, details);

/** Renders the envelope; used by onError, notFound and the validation hook. */
export function errorResponse(c: Context<AppEnv>, code: ErrorCode, message: string, details?: unknown): Response {
  const body: ErrorEnvelope = {
    error: { code, message, ...(details === undefined ? {} : { details }), requestId: c.get("requestId") ?? "unknown" },
  };
  return c.json(body, ERROR_STATUS[code]);
}

const HTTP_STATUS_CODES: Partial<Record<number, ErrorCode>> = {
  400: "bad_request",
  401: "unauthorized",
  403: "forbidden",
  404: "not_found",
  409: "conflict",
  413: "payload_too_large",
  415: "unsupported_media_type",
  422: "unprocessable",
  429: "rate_limited",
  503: "upstream_unavailable",
};

/** Global error handler: known errors keep their code; anything else is logged and hidden. */
export function handleError(error: Error, c: Context<AppEnv>): Response {
  if (error instanceof ApiError) return errorResponse(c, error.code, error.message, error.details);
  if (error instanceof HTTPException) {
    const code = HTTP_STATUS_CODES[error.status] ?? "bad_request";
    // Hono's body parser throws a 400 HTTPException for malformed JSON.
    return errorResponse(c, code, error.message || "bad request");
  }
  console.error(JSON.stringify({ msg: "unhandled error", requestId: c.get("requestId"), error: String(error?.stack ?? error) }));
  return errorResponse(c, "internal", "internal error");
}

/** Standard error responses for OpenAPI route declarations. */
export function errorResponses(...codes: ErrorCode[]) {
  const out: Record<number, { description: string; content: { "application/json": { schema: typeof ErrorEnvelopeSchema } } }> = {};
  for (const code of codes) {
    out[ERROR_STATUS[code]] = {
      description: code,
      content: { "application/json": { schema: ErrorEnvelopeSchema } },
    };
  }
  return out;
}
