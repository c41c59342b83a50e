/** The challenge on every 401 (docs/api.md#errors), exactly; a realm would add nothing a client can act on. */
export const BEARER_CHALLENGE = { "WWW-Authenticate": "Bearer" } as const;

/** The credential of `Authorization: Bearer <credential>` (scheme case-insensitive, RFC 9110). */
export function bearerCredential(authorization: string | undefined): string | undefined {
  return authorization?.match(/^Bearer +(\S+) *$/i)?.[1];
}
