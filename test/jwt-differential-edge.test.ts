import { jwtVerify } from "jose";
import { beforeAll, describe } from "vitest";
import { READ_SCOPES } from "../src/lib/scopes.ts";
import { EDGE_TOKEN_ISSUER } from "../src/lib/secrets.ts";
import { base64UrlEncode } from "../src/tokens/base64url.ts";
import { EDGE_CLOCK_LEEWAY_SECONDS as LEEWAY } from "../src/tokens/claims.ts";
import { EDGE_TOKEN_TYPE, issueEdgeToken, secretKeyId, verifyEdgeToken } from "../src/tokens/edge-tokens.ts";
import { type Case, customerClaimOk, NOW, runCorpus, SECONDS } from "./helpers/jwt-differential.ts";
import { signHs256 } from "./helpers/raw-jwt.ts";

// Our own edge tokens against jose's jwtVerify (helpers/jwt-differential.ts).
describe("edge tokens: our verifier agrees with jose", () => {
  const CURRENT = "differential-current-secret-0123456789abcdef";
  const PREVIOUS = "differential-previous-secret-0123456789abcde";
  const OTHER = "differential-unknown-secret-0123456789abcdefg";
  const secrets = { current: CURRENT, previous: PREVIOUS };
  const kidOf = new Map<string, string>();

  beforeAll(async () => {
    for (const secret of [CURRENT, PREVIOUS]) kidOf.set(await secretKeyId(secret), secret);
  });

  const issue = async (secret: string) =>
    (
      await issueEdgeToken({
        secret,
        customerUuid: "EDGE1",
        scopes: ["customers:read"],
        ttlSeconds: 600,
        keyId: "key_1",
        now: NOW,
      })
    ).token;
  const claims = (overrides: Record<string, unknown> = {}) => ({
    iss: EDGE_TOKEN_ISSUER,
    sub: "EDGE1",
    azp: "key_1",
    scope: "customers:read",
    iat: SECONDS,
    exp: SECONDS + 600,
    jti: "j1",
    ...overrides,
  });
  /** Signed with `secret` under the kid of `kidSecret` (by default the same one). */
  const forge = async (payload: Record<string, unknown>, secret = CURRENT, kidSecret = secret) =>
    signHs256(secret, { alg: "HS256", typ: EDGE_TOKEN_TYPE, kid: await secretKeyId(kidSecret) }, payload);

  const cases = (): Case[] => [
    { name: "a token we issued under the current secret", token: () => issue(CURRENT), ours: "accept" },
    { name: "a token we issued under the previous secret", token: () => issue(PREVIOUS), ours: "accept" },
    { name: "a token signed with a secret we do not hold", token: () => issue(OTHER), ours: "refuse" },
    {
      name: "the current secret's kid, signed with the previous",
      token: () => forge(claims(), PREVIOUS, CURRENT),
      ours: "refuse",
    },
    {
      name: "alg none naming our issuer",
      token: async () =>
        `${base64UrlEncode('{"alg":"none","typ":"JWT"}')}.${base64UrlEncode(JSON.stringify(claims()))}.`,
      ours: "refuse",
    },
    {
      name: "no kid",
      token: () => signHs256(CURRENT, { alg: "HS256", typ: EDGE_TOKEN_TYPE }, claims()),
      ours: "refuse",
    },
    {
      name: "a plain JWT typ instead of ours",
      token: async () => signHs256(CURRENT, { alg: "HS256", typ: "JWT", kid: await secretKeyId(CURRENT) }, claims()),
      ours: "refuse",
    },
    {
      name: "a tampered payload under the original signature",
      token: async () => {
        const [header, , signature] = (await issue(CURRENT)).split(".");
        return `${header}.${base64UrlEncode(JSON.stringify(claims({ sub: "OTHER1" })))}.${signature}`;
      },
      ours: "refuse",
    },
    { name: "no exp", token: () => forge(claims({ exp: undefined })), ours: "refuse" },
    { name: `exp ${LEEWAY + 1} s ago`, token: () => forge(claims({ exp: SECONDS - LEEWAY - 1 })), ours: "refuse" },
    { name: `exp ${LEEWAY - 1} s ago`, token: () => forge(claims({ exp: SECONDS - LEEWAY + 1 })), ours: "accept" },
    {
      name: `iat ${LEEWAY + 60} s ahead`,
      token: () => forge(claims({ iat: SECONDS + LEEWAY + 60 })),
      ours: "refuse",
      jose: "accept",
      why: "we refuse a token issued in the future; jose checks iat's age only when given maxTokenAge",
    },
    { name: "another issuer", token: () => forge(claims({ iss: "someone-else" })), ours: "refuse" },
    {
      name: "a scope we never grant",
      token: () => forge(claims({ scope: "customers:read tokens:issue" })),
      ours: "refuse",
    },
    { name: "a subject that is not a uuid", token: () => forge(claims({ sub: "a/b" })), ours: "refuse" },
    { name: "no azp (issuing key)", token: () => forge(claims({ azp: undefined })), ours: "refuse" },
    { name: "no jti", token: () => forge(claims({ jti: undefined })), ours: "refuse" },
  ];

  runCorpus(cases, () => ({
    ours: async (token) => (await verifyEdgeToken(token, secrets, NOW)).ok,
    jose: async (token) => {
      try {
        const { payload } = await jwtVerify(
          token,
          async ({ kid }) => {
            const secret = kid === undefined ? undefined : kidOf.get(kid);
            if (!secret) throw new Error("no secret with this kid");
            return new TextEncoder().encode(secret);
          },
          {
            algorithms: ["HS256"],
            issuer: EDGE_TOKEN_ISSUER,
            typ: EDGE_TOKEN_TYPE,
            requiredClaims: ["exp", "sub", "azp", "jti", "scope"],
            clockTolerance: LEEWAY,
            currentDate: new Date(NOW),
          },
        );
        // The oracle's own application rules, the same as ours: a usable subject, known scopes, a key id.
        const scopes = typeof payload.scope === "string" ? payload.scope.split(" ") : [];
        return (
          customerClaimOk(payload, "sub") &&
          scopes.every((scope) => (READ_SCOPES as readonly string[]).includes(scope)) &&
          typeof payload.azp === "string" &&
          payload.azp !== ""
        );
      } catch {
        return false;
      }
    },
  }));
});
