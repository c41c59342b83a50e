import { CUSTOMER_UUID_PATTERN } from "../customers/schemas.ts";
import { READ_SCOPES, type ReadScope } from "../keys/key-record.ts";
import { randomBase62, sha256Hex } from "../lib/crypto.ts";
import { base64UrlEncode } from "./base64url.ts";
import { customerUuidIn, EDGE_CLOCK_LEEWAY_SECONDS, timesAreValid, tokenType } from "./claims.ts";
import { INVALID_TOKEN, type TokenFailure } from "./failure.ts";
import { type ParsedJws, parseJws, verifySignature } from "./jws.ts";

/*
 * Customer tokens this service issues itself: HS256 under TOKEN_SIGNING_SECRET, with a `kid`
 * naming the secret so a verifier picks the current or previous secret without trying both.
 */

/** Our `iss`: no identity provider uses it, so their tokens and ours cannot be confused. */
export const EDGE_TOKEN_ISSUER = "customer-edge";
/**
 * Our explicit `typ` (RFC 8725 §3.11), set on every token we sign and required on every one we
 * accept: a JWT of another kind signed under the same secret can never pass as a customer token.
 */
export const EDGE_TOKEN_TYPE = "customer-edge+jwt";
/** HMAC-SHA-256 needs a key at least as long as its output to give its full strength. */
export const MIN_SECRET_BYTES = 32;
/** What an edge token may grant: reading (the read scopes), never issuing or administering. */
const EDGE_TOKEN_SCOPES: readonly string[] = READ_SCOPES;
export type EdgeTokenScope = ReadScope;

export interface EdgeSecrets {
  current: string;
  previous?: string | undefined;
}

/** False for a missing or too-short secret: issuing then answers 503 `not_configured`. */
export function isUsableSigningSecret(secret: string | undefined): secret is string {
  return secret !== undefined && new TextEncoder().encode(secret).length >= MIN_SECRET_BYTES;
}

/** The `kid` of a secret: 16 hex digits of its SHA-256, which says nothing usable about it. */
export async function secretKeyId(secret: string): Promise<string> {
  return (await sha256Hex(secret)).slice(0, 16);
}

interface SigningKey {
  kid: string;
  key: CryptoKey;
}

/*
 * Imported HMAC keys, per isolate, by secret. An isolate only ever sees TOKEN_SIGNING_SECRET
 * and its predecessor, so four entries is ample; past that the oldest is dropped (a rotation
 * deploys a new isolate anyway). Entries never go stale: a key is a pure function of its secret.
 */
const MAX_CACHED_SECRETS = 4;
const signingKeys = new Map<string, Promise<SigningKey>>();

function signingKeyFor(secret: string): Promise<SigningKey> {
  let entry = signingKeys.get(secret);
  if (!entry) {
    if (signingKeys.size >= MAX_CACHED_SECRETS) signingKeys.delete(signingKeys.keys().next().value!);
    entry = Promise.all([
      secretKeyId(secret),
      crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, [
        "sign",
        "verify",
      ]),
    ]).then(([kid, key]) => ({ kid, key }));
    signingKeys.set(secret, entry);
  }
  return entry;
}

export interface IssueEdgeTokenInput {
  secret: string;
  customerUuid: string;
  scopes: readonly EdgeTokenScope[];
  ttlSeconds: number;
  /** The id of the API key that asked for the token (its `azp`), checked again on every use. */
  keyId: string;
  now: number;
}

export interface IssuedEdgeToken {
  token: string;
  /** Epoch milliseconds, on a whole second (the token's `exp`). */
  expiresAt: number;
}

/** Signs a token. Throws on input the route should already have refused (a programming error). */
export async function issueEdgeToken(input: IssueEdgeTokenInput): Promise<IssuedEdgeToken> {
  const { secret, customerUuid, scopes, ttlSeconds, keyId, now } = input;
  if (!isUsableSigningSecret(secret)) throw new Error("TOKEN_SIGNING_SECRET is missing or shorter than 32 bytes");
  if (!CUSTOMER_UUID_PATTERN.test(customerUuid)) throw new Error("invalid customer uuid");
  if (scopes.length === 0 || !scopes.every((scope) => EDGE_TOKEN_SCOPES.includes(scope))) {
    throw new Error("invalid scopes");
  }
  if (!Number.isInteger(ttlSeconds) || ttlSeconds <= 0) throw new Error("ttlSeconds must be a positive integer");
  const { kid, key } = await signingKeyFor(secret);
  const iat = Math.floor(now / 1000);
  const exp = iat + ttlSeconds;
  const header = base64UrlEncode(JSON.stringify({ alg: "HS256", typ: EDGE_TOKEN_TYPE, kid }));
  const claims = { iss: EDGE_TOKEN_ISSUER, sub: customerUuid, azp: keyId, scope: scopes.join(" "), iat, exp };
  const payload = base64UrlEncode(JSON.stringify({ ...claims, jti: randomBase62(22) }));
  const signature = await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(`${header}.${payload}`));
  return { token: `${header}.${payload}.${base64UrlEncode(new Uint8Array(signature))}`, expiresAt: exp * 1000 };
}

export interface VerifiedEdgeToken {
  ok: true;
  customerUuid: string;
  scopes: EdgeTokenScope[];
  /** The issuing API key's id: the caller must still find that key usable. */
  keyId: string;
  /** Epoch milliseconds: `exp` plus the few seconds of leeway our own clocks need. */
  acceptedUntil: number;
}

function scopesIn(payload: Record<string, unknown>): EdgeTokenScope[] | undefined {
  if (typeof payload.scope !== "string") return undefined;
  const scopes = payload.scope.split(" ");
  return scopes.every((scope) => EDGE_TOKEN_SCOPES.includes(scope)) ? (scopes as EdgeTokenScope[]) : undefined;
}

/** Verifies an edge token (or one already parsed) against the current and previous secrets. */
export async function verifyEdgeToken(
  token: string | ParsedJws,
  secrets: EdgeSecrets,
  now: number,
): Promise<VerifiedEdgeToken | TokenFailure> {
  const { current, previous } = secrets;
  if (!isUsableSigningSecret(current) || (previous !== undefined && !isUsableSigningSecret(previous))) {
    return INVALID_TOKEN;
  }
  const jws = typeof token === "string" ? parseJws(token, ["HS256"]) : token;
  if (jws?.alg !== "HS256" || jws.kid === undefined || tokenType(jws.header) !== EDGE_TOKEN_TYPE) return INVALID_TOKEN;
  const candidates = await Promise.all([current, previous].filter((s) => s !== undefined).map(signingKeyFor));
  const signer = candidates.find((candidate) => candidate.kid === jws.kid);
  if (!signer || !(await verifySignature(jws, signer.key))) return INVALID_TOKEN;

  const { payload } = jws;
  const customerUuid = customerUuidIn(payload, "sub");
  const scopes = scopesIn(payload);
  const valid =
    payload.iss === EDGE_TOKEN_ISSUER &&
    timesAreValid(payload, now, EDGE_CLOCK_LEEWAY_SECONDS) &&
    typeof payload.azp === "string" &&
    payload.azp !== "" &&
    typeof payload.jti === "string";
  if (!valid || !customerUuid || !scopes) return INVALID_TOKEN;
  const acceptedUntil = ((payload.exp as number) + EDGE_CLOCK_LEEWAY_SECONDS) * 1000;
  return { ok: true, customerUuid, scopes, keyId: payload.azp as string, acceptedUntil };
}
