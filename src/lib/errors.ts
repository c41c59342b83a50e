import { HTTPException } from "hono/http-exception";

/**
 * Every error code the API can answer, with its HTTP status and title (docs/api.md#errors).
 * One table, so a code can never drift from its status; `test/errors.test.ts` walks it.
 */
export const ERRORS = {
  invalid_customer_uuid: { status: 400, title: "Invalid customer UUID" },
  invalid_request: { status: 400, title: "Invalid request" },
  unauthorized: { status: 401, title: "Unauthorized" },
  forbidden: { status: 403, title: "Forbidden" },
  customer_not_found: { status: 404, title: "Customer not found" },
  not_found: { status: 404, title: "Not found" },
  method_not_allowed: { status: 405, title: "Method not allowed" },
  rate_limited: { status: 429, title: "Too many requests" },
  upstream_error: { status: 502, title: "Upstream error" },
  not_configured: { status: 503, title: "Service not configured" },
  upstream_busy: { status: 503, title: "Upstream busy" },
  upstream_timeout: { status: 504, title: "Upstream timeout" },
  internal_error: { status: 500, title: "Internal error" },
} as const satisfies Record<string, { status: number; title: string }>;

export type ErrorCode = keyof typeof ERRORS;
export type ErrorStatus = (typeof ERRORS)[ErrorCode]["status"];

export const ERROR_CODES = Object.keys(ERRORS) as ErrorCode[];

/**
 * Problem `type`s are URNs: stable identifiers that promise no page at a made-up address.
 * The codes are documented in /openapi.json and the README.
 */
export const PROBLEM_TYPE_BASE = "urn:customer-edge:problem:";

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ErrorCode;
  requestId: string;
}

/**
 * The one error the app throws on purpose. `detail` is shown to the caller, so it must never
 * carry a token, key, personal number or upstream body; `headers` ride along on the answer
 * (`WWW-Authenticate`, `Retry-After`, `Allow`, ...).
 */
export class ApiError extends HTTPException {
  readonly code: ErrorCode;
  readonly detail: string;
  readonly headers: Record<string, string>;

  constructor(code: ErrorCode, detail: string, headers: Record<string, string> = {}) {
    super(ERRORS[code].status, { message: detail });
    this.name = "ApiError";
    this.code = code;
    this.detail = detail;
    this.headers = headers;
  }
}

export function problemBody(code: ErrorCode, detail: string, requestId: string): Problem {
  const { status, title } = ERRORS[code];
  return { type: PROBLEM_TYPE_BASE + code, title, status, detail, code, requestId };
}
