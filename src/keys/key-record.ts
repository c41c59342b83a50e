import * as z from "zod/mini";

/** What a key may do: read a whole profile, read addresses only, issue customer tokens. */
export const SCOPES = ["customers:read", "addresses:read", "tokens:issue"] as const;
export type Scope = (typeof SCOPES)[number];

/** The scopes that read a customer, and so the only ones a customer token can carry. */
export const READ_SCOPES = ["customers:read", "addresses:read"] as const satisfies readonly Scope[];
export type ReadScope = (typeof READ_SCOPES)[number];

/**
 * The read scopes a key may read with, and so hand on in a customer token: `customers:read`
 * reads the whole profile and so covers the addresses view; `addresses:read` covers only
 * itself; `tokens:issue` covers nothing (a key that issues must also hold a read scope).
 */
export function readScopesCoveredBy(scopes: readonly Scope[]): ReadScope[] {
  if (scopes.includes("customers:read")) return [...READ_SCOPES];
  return scopes.includes("addresses:read") ? ["addresses:read"] : [];
}

/** What `API_KEYS` holds under the key's hash. Never the key itself. */
export const ApiKeyRecordSchema = z.object({
  id: z.string(),
  name: z.string(),
  scopes: z.array(z.enum(SCOPES)),
  allowedOrigins: z.nullable(z.array(z.string())),
  createdAt: z.string(),
  expiresAt: z.nullable(z.string()),
  revokedAt: z.nullable(z.string()),
});
export type ApiKeyRecord = z.infer<typeof ApiKeyRecordSchema>;

export function isExpired(record: ApiKeyRecord, now = Date.now()): boolean {
  return record.expiresAt !== null && Date.parse(record.expiresAt) <= now;
}

export function isUsable(record: ApiKeyRecord, now = Date.now()): boolean {
  return record.revokedAt === null && !isExpired(record, now);
}

/** One key as `GET /admin/keys` lists it: never the key or its hash. */
export type KeyView = ApiKeyRecord & { status: "active" | "revoked" | "expired" };

/** The 201 of `POST /admin/keys`: the only answer that ever holds the key itself. */
export type CreatedKey = Omit<ApiKeyRecord, "revokedAt"> & { key: string };
