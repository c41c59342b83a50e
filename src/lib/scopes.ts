/**
 * What a credential may do, shared by API keys, customer tokens and configuration: read a whole
 * profile, read addresses only, issue customer tokens.
 */
export const SCOPES = ["customers:read", "addresses:read", "tokens:issue"] as const;
export type Scope = (typeof SCOPES)[number];

/** The scopes that read a customer, and so the only ones a customer token can carry. */
export const READ_SCOPES = ["customers:read", "addresses:read"] as const satisfies readonly Scope[];
export type ReadScope = (typeof READ_SCOPES)[number];

export const isReadScope = (scope: string): scope is ReadScope => (READ_SCOPES as readonly string[]).includes(scope);

/**
 * The read scopes a key may read with, and so hand on in a customer token: `customers:read`
 * reads the whole profile and so covers the addresses view; `addresses:read` covers only
 * itself; `tokens:issue` covers nothing (a key that issues must also hold a read scope).
 */
export function readScopesCoveredBy(scopes: readonly string[]): ReadScope[] {
  if (scopes.includes("customers:read")) return [...READ_SCOPES];
  return scopes.includes("addresses:read") ? ["addresses:read"] : [];
}
