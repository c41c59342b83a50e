/** A small client for the Admin API (docs/api.md#admin-api), used by the dev server and the keys CLI. */
import { hc } from "hono/client";
// Type-only: erased when Node runs this file, so no Worker code is loaded here.
import type { AppType } from "../../src/app.ts";
import type { CreatedKey, KeyView as KeyRecord } from "../../src/keys/key-record.ts";
import { isLoopbackUrl } from "./dev-defaults.ts";

export interface NewKeyRequest {
  name: string;
  scopes?: string[];
  allowedOrigins?: string[];
  expiresAt?: string;
}

// The Worker's own answer schemas (type-only: erased when Node runs this file).
export type { CreatedKey, KeyView as KeyRecord } from "../../src/keys/key-record.ts";

/** A refusal from the Worker, carrying the problem+json `detail` for the operator to read. */
export class AdminApiError extends Error {
  readonly status: number;
  readonly code: string | undefined;

  constructor(message: string, status = 0, code?: string) {
    super(message);
    this.name = "AdminApiError";
    this.status = status;
    this.code = code;
  }
}

type CreateKeyJson = Parameters<ReturnType<typeof hc<AppType>>["admin"]["keys"]["$post"]>[0]["json"];

/**
 * The routes and their types come from the app itself (`hc<AppType>`), so a renamed route or
 * a changed answer breaks `npm run typecheck` instead of the CLI at run time.
 */
export class AdminClient {
  readonly baseUrl: string;
  readonly #api;

  constructor(baseUrl: string, adminToken: string) {
    this.baseUrl = baseUrl.replace(/\/+$/, "");
    this.#api = hc<AppType>(this.baseUrl, {
      headers: { Authorization: `Bearer ${adminToken}` },
      fetch: (input: string | URL | Request, init?: RequestInit) => this.#fetch(input, init),
    }).admin;
  }

  async createKey(body: NewKeyRequest): Promise<CreatedKey> {
    // The operator's strings go as typed: the Worker validates them and names what is wrong.
    const response = await this.#api.keys.$post({ json: body as CreateKeyJson });
    return response.json();
  }

  async listKeys(): Promise<KeyRecord[]> {
    const response = await this.#api.keys.$get();
    return (await response.json()).keys;
  }

  async revokeKey(id: string): Promise<void> {
    // hc puts a param into the path as it is; encoding keeps an id with a `/` in its one segment.
    await this.#api.keys[":id"].$delete({ param: { id: encodeURIComponent(id) } });
  }

  async purgeCustomer(uuid: string): Promise<void> {
    await this.#api.cache.customers[":uuid"].$delete({ param: { uuid: encodeURIComponent(uuid) } });
  }

  /** Every call's transport: a time limit, a readable unreachable error and problem+json refusals. */
  async #fetch(input: string | URL | Request, init?: RequestInit): Promise<Response> {
    let response: Response;
    try {
      response = await fetch(input, { ...init, signal: AbortSignal.timeout(15_000) });
    } catch (error) {
      const reason = error instanceof Error && error.cause instanceof Error ? error.cause.message : String(error);
      const hint = isLoopbackUrl(this.baseUrl) ? "; is `npm run dev` running?" : "";
      throw new AdminApiError(`cannot reach ${this.baseUrl} (${reason})${hint}`);
    }
    if (!response.ok) throw await problemError(response);
    return response;
  }
}

async function problemError(response: Response): Promise<AdminApiError> {
  const text = await response.text();
  try {
    const problem = JSON.parse(text) as { detail?: string; code?: string };
    if (problem.detail) return new AdminApiError(problem.detail, response.status, problem.code);
  } catch {
    // Not problem+json (a proxy's error page, say): fall through to the status line.
  }
  return new AdminApiError(`HTTP ${response.status} ${response.statusText}`.trim(), response.status);
}
