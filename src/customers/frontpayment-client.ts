import * as z from "zod/mini";
import { readCapped } from "../lib/read-capped.ts";
import { deepFreeze } from "./deep-freeze.ts";
import { type Customer, UpstreamFound } from "./schemas.ts";
import { trimCustomer } from "./trim.ts";
import type { UpstreamBudget, UpstreamGuard } from "./upstream-guard.ts";

export type UpstreamFailure =
  | "timeout" // the whole budget ran out
  | "unavailable" // network error, 5xx or 510 (after the one retry)
  | "unauthorized" // 401/403: our FRONTPAYMENT_TOKEN is wrong or expired
  | "throttled" // 429: Frontpayment's rate budget for our token is spent
  | "bad_response"; // redirect, unexpected status (a 404 other than customerNotFound too), not JSON, not the schema, another uuid

/** Why the upstream call failed. Carries no upstream body: nothing of it may reach a caller. */
export class UpstreamError extends Error {
  readonly failure: UpstreamFailure;
  readonly status: number | undefined;
  readonly budget: UpstreamBudget | undefined;
  /** Wall time of the whole call, retries included; set when the call gives up. */
  durationMs = 0;

  constructor(failure: UpstreamFailure, status?: number, budget?: UpstreamBudget) {
    super(`Frontpayment call failed: ${failure}${status ? ` (HTTP ${status})` : ""}`);
    this.name = "UpstreamError";
    this.failure = failure;
    this.status = status;
    this.budget = budget;
  }
}

export type UpstreamAnswer = { found: true; customer: Customer; status: number } | { found: false; status: 404 };

export interface UpstreamCall {
  answer: UpstreamAnswer;
  /** Wall time of the whole call, retries included. */
  durationMs: number;
  /** Frontpayment's `x-ratelimit-remaining` / `x-ratelimit-reset`, when it sent them. */
  budget: UpstreamBudget;
}

/**
 * A customer is about 1 KB. Anything far bigger (a proxy's error page, a runaway body) is
 * refused unread rather than parsed against the CPU limit.
 */
const MAX_BODY_BYTES = 64 * 1024;

/** Below this much budget a retry could not finish anyway. */
const MIN_RETRY_BUDGET_MS = 100;

/**
 * The one upstream call: GET /api/v1/connect/customers/details/{uuid} with the merchant token.
 * One total time budget, at most one retry (network error or 5xx; none with `retry: false`),
 * never a redirect.
 */
export class FrontpaymentClient {
  readonly #baseUrl: string;
  readonly #token: string;
  readonly #timeoutMs: number;
  readonly #guard: UpstreamGuard;
  readonly #fetch: typeof fetch;

  constructor(options: {
    baseUrl: string;
    token: string;
    timeoutMs: number;
    guard: UpstreamGuard;
    /** The outbound fetch; a benchmark passes an instant one. */
    fetch?: typeof fetch;
  }) {
    this.#baseUrl = options.baseUrl;
    this.#token = options.token;
    this.#timeoutMs = options.timeoutMs;
    this.#guard = options.guard;
    this.#fetch = options.fetch ?? ((input, init) => fetch(input, init));
  }

  /**
   * `uuid` must already be validated: it is put into the path as it is. Waiting for one of
   * the isolate's upstream slots (upstream-guard.ts) spends the same time budget. A call
   * nobody waits for (a background revalidation) passes `retry: false`: against a failing
   * Frontpayment a retry only doubles the load, and the stale copy is served anyway.
   */
  async getCustomer(uuid: string, options: { retry?: boolean } = {}): Promise<UpstreamCall> {
    const started = Date.now();
    const maxAttempts = options.retry === false ? 1 : 2;
    const call = await this.#guard.withSlot(this.#timeoutMs, () => this.#call(uuid, started, maxAttempts));
    if (call) return call;
    const timeout = new UpstreamError("timeout");
    timeout.durationMs = Date.now() - started;
    throw timeout;
  }

  async #call(uuid: string, started: number, maxAttempts: number): Promise<UpstreamCall> {
    const deadline = started + this.#timeoutMs;
    const url = `${this.#baseUrl}/api/v1/connect/customers/details/${uuid}`;
    for (let attempt = 1; ; attempt++) {
      try {
        const result = await this.#attempt(url, uuid, deadline);
        return { ...result, durationMs: Date.now() - started };
      } catch (error) {
        const failure = error instanceof UpstreamError ? error : new UpstreamError("unavailable");
        const retryable = failure.failure === "unavailable";
        if (!retryable || attempt >= maxAttempts || deadline - Date.now() < MIN_RETRY_BUDGET_MS) {
          failure.durationMs = Date.now() - started;
          throw failure;
        }
      }
    }
  }

  async #attempt(url: string, uuid: string, deadline: number): Promise<Omit<UpstreamCall, "durationMs">> {
    const remaining = deadline - Date.now();
    if (remaining <= 0) throw new UpstreamError("timeout");
    const signal = AbortSignal.timeout(remaining);
    let response: Response;
    let text: string | undefined;
    try {
      response = await this.#fetch(url, {
        headers: { Authorization: `Bearer ${this.#token}`, Accept: "application/json" },
        redirect: "manual",
        signal,
      });
      text = await readCapped(response, MAX_BODY_BYTES);
    } catch (error) {
      throw new UpstreamError(isTimeout(error, signal) ? "timeout" : "unavailable");
    }
    if (text === undefined) throw new UpstreamError("bad_response", response.status);
    const budget = {
      remaining: numberHeader(response.headers, "x-ratelimit-remaining"),
      reset: numberHeader(response.headers, "x-ratelimit-reset"),
    };
    const status = response.status;
    if (status === 200) {
      const customer = parseFound(text, uuid);
      if (!customer) throw new UpstreamError("bad_response", status);
      return { answer: deepFreeze({ found: true, customer, status }), budget };
    }
    if (status === 404 && isDocumentedNotFound(text)) {
      return { answer: deepFreeze({ found: false, status }), budget };
    }
    if (status === 429) {
      const reset = retryAfterHeader(response.headers) ?? budget.reset;
      throw new UpstreamError("throttled", status, { remaining: 0, reset });
    }
    if (status === 401 || status === 403) throw new UpstreamError("unauthorized", status);
    if (status >= 500) throw new UpstreamError("unavailable", status);
    throw new UpstreamError("bad_response", status);
  }
}

function numberHeader(headers: Headers, name: string): number | undefined {
  const value = headers.get(name);
  return value === null ? undefined : Number.parseInt(value, 10);
}

/**
 * `Retry-After` in either of its forms (RFC 9110): a number of seconds, kept as it is, or an
 * HTTP date, turned into a Unix time in seconds (upstream-guard.ts reads both).
 */
function retryAfterHeader(headers: Headers): number | undefined {
  const value = headers.get("retry-after")?.trim();
  if (!value) return undefined;
  if (/^\d+$/.test(value)) return Number(value);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.ceil(date / 1000);
}

function isTimeout(error: unknown, signal: AbortSignal): boolean {
  return signal.aborted || (error instanceof Error && error.name === "TimeoutError");
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** An answer about another customer than the one asked for is a schema violation: never served or stored. */
function parseFound(text: string, uuid: string): Customer | null {
  const result = z.safeParse(UpstreamFound, parseJson(text));
  return result.success && result.data.data.uuid === uuid ? trimCustomer(result.data.data) : null;
}

/**
 * Only Frontpayment's `customerNotFound` means "no such customer". Any other 404 (its
 * `orderNotFound` envelope, a gateway's page, a wrong base URL) is an upstream failure, so it
 * can never replace a good copy with a not-found marker.
 */
function isDocumentedNotFound(text: string): boolean {
  const body = parseJson(text) as { message?: unknown } | null | undefined;
  return typeof body === "object" && body !== null && body.message === "customerNotFound";
}
