/** A small client for the Admin API (docs/api.md#admin-api), used by the dev server and the keys CLI. */
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

export class AdminClient {
  readonly baseUrl: string;
  readonly #adminToken: string;

  constructor(baseUrl: string, adminToken: string) {
    this.baseUrl = baseUrl.replace(/\/+$/, "");
    this.#adminToken = adminToken;
  }

  async createKey(body: NewKeyRequest): Promise<CreatedKey> {
    return (await this.#call("POST", "/admin/keys", body)).json() as Promise<CreatedKey>;
  }

  async listKeys(): Promise<KeyRecord[]> {
    const body = (await (await this.#call("GET", "/admin/keys")).json()) as { keys: KeyRecord[] };
    return body.keys;
  }

  async revokeKey(id: string): Promise<void> {
    await this.#call("DELETE", `/admin/keys/${encodeURIComponent(id)}`);
  }

  async purgeCustomer(uuid: string): Promise<void> {
    await this.#call("DELETE", `/admin/cache/customers/${encodeURIComponent(uuid)}`);
  }

  async #call(method: string, path: string, body?: unknown): Promise<Response> {
    const headers: Record<string, string> = { Authorization: `Bearer ${this.#adminToken}` };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    let response: Response;
    try {
      response = await fetch(this.baseUrl + path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(15_000),
      });
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
