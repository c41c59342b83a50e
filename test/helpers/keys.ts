import type { KeyView, Scope } from "../../src/keys/key-record.ts";
import { adminHeaders, type CallOptions, call } from "./app.ts";

export interface TestKey {
  id: string;
  key: string;
}

/** Every key the suite created: the leak scan looks for each of them in every answer. */
export const createdKeys: TestKey[] = [];

/** Creates a key through the real admin API, as an operator would. */
export async function createKey(
  body: { name?: string; scopes?: Scope[] | string[]; allowedOrigins?: string[]; expiresAt?: string } = {},
): Promise<TestKey> {
  const response = await call("/admin/keys", {
    method: "POST",
    headers: adminHeaders({ "Content-Type": "application/json" }),
    body: JSON.stringify({ name: "test key", ...body }),
  });
  if (response.status !== 201) throw new Error(`creating a key failed: ${response.status} ${await response.text()}`);
  const created = (await response.json()) as TestKey;
  createdKeys.push(created);
  return created;
}

export async function revokeKey(id: string): Promise<Response> {
  return call(`/admin/keys/${id}`, { method: "DELETE", headers: adminHeaders() });
}

/** GET /admin/keys; `text` is the raw answer, for tests that search it for what must not be there. */
export async function listKeys(
  options: CallOptions = {},
): Promise<{ response: Response; text: string; keys: KeyView[] }> {
  const response = await call("/admin/keys", { headers: adminHeaders(), ...options });
  const text = await response.text();
  return { response, text, keys: (JSON.parse(text) as { keys: KeyView[] }).keys };
}
