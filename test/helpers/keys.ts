import { env } from "cloudflare:workers";
import { KeyTagger } from "../../src/keys/key-format.ts";
import type { KeyView } from "../../src/keys/key-record.ts";
import type { Scope } from "../../src/lib/scopes.ts";
import { TEST_API_KEY_TAG_SECRET } from "../support/constants.ts";
import { adminHeaders, type CallOptions, call } from "./app.ts";

/**
 * A made-up key: the right prefix, length and public checksum, as anyone can compute them, but
 * tagged under another deployment's secret (as a key from a stranger's deployment would be).
 */
export function madeUpKey(): Promise<string> {
  return new KeyTagger(`another deployment's secret ${crypto.randomUUID()}`).generate();
}

/** A key carrying this deployment's tag that was never stored: only a leaked tag secret makes one. */
export function taggedButNeverIssuedKey(): Promise<string> {
  return new KeyTagger(TEST_API_KEY_TAG_SECRET).generate();
}

export interface TestKey {
  id: string;
  key: string;
}

/** Every key the suite created: the leak scan looks for each of them in every answer. */
export const createdKeys: TestKey[] = [];

/**
 * A key whose record was stored before today's admin rules (a `tokens:issue` key without a read
 * scope, say): written straight to API_KEYS as the key store lays records out, since the admin
 * API now refuses to make one.
 */
export async function storeKeyRecord(scopes: Scope[]): Promise<TestKey> {
  const key = await taggedButNeverIssuedKey();
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(key));
  const hash = [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, "0")).join("");
  const id = `key_${crypto.randomUUID().replace(/-/g, "").slice(0, 16)}`;
  const record = { id, name: "stored earlier", scopes, allowedOrigins: null, createdAt: new Date().toISOString() };
  await env.API_KEYS.put(`key:hash:${hash}`, JSON.stringify({ ...record, expiresAt: null, revokedAt: null }));
  createdKeys.push({ id, key });
  return { id, key };
}

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
