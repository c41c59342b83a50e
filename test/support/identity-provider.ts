/**
 * A development identity provider (OpenID Connect's signing side only) for tests and local
 * development: ES256, RS256 and Ed25519 key pairs made with node:crypto, their JWKS over HTTP,
 * and tokens minted for any claims. Tests run several files at once against one server, so
 * every piece of state lives under an issuer name: `/idp/<name>/.well-known/jwks.json` is one
 * provider with its own keys, failure switch and fetch count. The unnamed paths
 * (`/.well-known/jwks.json`, `/__idp/token`) are the provider called "default".
 *
 *   GET  [/idp/<name>]/.well-known/jwks.json            the published keys (counted)
 *   GET  [/idp/<name>]/.well-known/openid-configuration  issuer and jwks_uri
 *   POST /__idp[/<name>]/token    {alg, claims, header?} -> {token}; alg "HS256" signs with the
 *                                 RS256 public key's PEM as HMAC secret, alg "none" signs nothing
 *   POST /__idp[/<name>]/keys     {alg, jwk?: {use?, alg?, key_ops?}} -> {kid}: publish a new
 *                                 key (the one tokens of that alg are signed with from now on)
 *   POST /__idp[/<name>]/rotate   -> {kids}: a new key for every alg, old ones stay published
 *   POST /__idp[/<name>]/fail     {mode?: "status" | "malformed" | "hang"}: the JWKS stops working
 *   POST /__idp[/<name>]/recover
 *   GET  /__idp[/<name>]/stats    -> {jwksFetches}
 */

import { createHmac, generateKeyPairSync, type KeyObject, randomBytes, sign } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";

export type IdpSigningAlg = "ES256" | "RS256" | "EdDSA";
export type MintAlg = IdpSigningAlg | "HS256" | "none";
export type FailMode = "status" | "malformed" | "hang";
const SIGNING_ALGS: IdpSigningAlg[] = ["ES256", "RS256", "EdDSA"];

interface SigningKey {
  kid: string;
  alg: IdpSigningAlg;
  privateKey: KeyObject;
  publicKey: KeyObject;
  jwk: Record<string, unknown>;
}
interface Issuer {
  keys: SigningKey[];
  current: Record<IdpSigningAlg, SigningKey>;
  failing: FailMode | undefined;
  jwksFetches: number;
}

function generate(alg: IdpSigningAlg, overrides: Record<string, unknown> = {}): SigningKey {
  const { privateKey, publicKey } =
    alg === "ES256"
      ? generateKeyPairSync("ec", { namedCurve: "P-256" })
      : alg === "RS256"
        ? generateKeyPairSync("rsa", { modulusLength: 2048 })
        : generateKeyPairSync("ed25519");
  const kid = `${alg.toLowerCase()}-${randomBytes(6).toString("hex")}`;
  const jwk = { ...publicKey.export({ format: "jwk" }), kid, alg, use: "sig", ...overrides };
  return { kid, alg, privateKey, publicKey, jwk };
}

function newIssuer(): Issuer {
  const [es, rs, ed] = SIGNING_ALGS.map((alg) => generate(alg)) as [SigningKey, SigningKey, SigningKey];
  return { keys: [es, rs, ed], current: { ES256: es, RS256: rs, EdDSA: ed }, failing: undefined, jwksFetches: 0 };
}

// One set of keys per issuer name, for the life of the process (tests pick fresh names).
const issuers = new Map<string, Issuer>([["default", newIssuer()]]);
function issuer(name: string): Issuer {
  let found = issuers.get(name);
  if (!found) {
    found = newIssuer();
    issuers.set(name, found);
  }
  return found;
}

const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

export interface MintOptions {
  /** The issuer name (its keys); default "default". The `iss` claim is whatever `claims` says. */
  name?: string;
  alg: MintAlg;
  claims: Record<string, unknown>;
  /** Merged over `{alg, typ, kid}`; set `kid` to sign with one key while naming another. */
  header?: Record<string, unknown>;
}

export function mintIdpToken({ name = "default", alg, claims, header = {} }: MintOptions): string {
  const { current } = issuer(name);
  const key = alg === "HS256" || alg === "none" ? undefined : current[alg];
  const input = `${encode({ alg, typ: "JWT", ...(key && { kid: key.kid }), ...header })}.${encode(claims)}`;
  const data = Buffer.from(input);
  let signature: Buffer;
  if (alg === "none") signature = Buffer.alloc(0);
  else if (alg === "HS256") {
    // The algorithm-confusion attack: the RSA public key, which anyone can read, as HMAC secret.
    const pem = current.RS256.publicKey.export({ format: "pem", type: "spki" });
    signature = createHmac("sha256", pem).update(data).digest();
  } else if (alg === "ES256") signature = sign("sha256", data, { key: key!.privateKey, dsaEncoding: "ieee-p1363" });
  else if (alg === "RS256") signature = sign("sha256", data, key!.privateKey);
  else signature = sign(null, data, key!.privateKey);
  return `${input}.${signature.toString("base64url")}`;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) }).end(text);
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  let body = "";
  for await (const chunk of req.setEncoding("utf8")) body += chunk;
  const value: unknown = body ? JSON.parse(body) : {};
  return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : {};
}

function serveJwks(req: IncomingMessage, res: ServerResponse, state: Issuer): void {
  state.jwksFetches += 1;
  if (state.failing === "status") sendJson(res, 500, { error: "identity provider is down" });
  else if (state.failing === "malformed") res.writeHead(200, { "content-type": "application/json" }).end("{");
  // Never answers; the socket closes when the client gives up or the server shuts down.
  else if (state.failing === "hang") req.resume();
  else sendJson(res, 200, { keys: state.keys.map((key) => key.jwk) });
}

async function control(req: IncomingMessage, res: ServerResponse, name: string, action: string): Promise<void> {
  const state = issuer(name);
  if (req.method === "GET" && action === "stats") return sendJson(res, 200, { jwksFetches: state.jwksFetches });
  if (req.method !== "POST") return sendJson(res, 405, { error: "POST only" });
  const body = await readJson(req);
  switch (action) {
    case "token": {
      const alg = body.alg as MintAlg;
      if (![...SIGNING_ALGS, "HS256", "none"].includes(alg)) return sendJson(res, 400, { error: "unknown alg" });
      const header = body.header as Record<string, unknown> | undefined;
      return sendJson(res, 200, {
        token: mintIdpToken({ name, alg, claims: body.claims as Record<string, unknown>, header }),
      });
    }
    case "keys": {
      const alg = body.alg as IdpSigningAlg;
      if (!SIGNING_ALGS.includes(alg)) return sendJson(res, 400, { error: "unknown alg" });
      const key = generate(alg, (body.jwk as Record<string, unknown>) ?? {});
      state.keys.push(key);
      state.current[alg] = key;
      return sendJson(res, 200, { kid: key.kid });
    }
    case "rotate": {
      for (const alg of SIGNING_ALGS) {
        state.current[alg] = generate(alg);
        state.keys.push(state.current[alg]);
      }
      return sendJson(res, 200, { kids: Object.fromEntries(SIGNING_ALGS.map((alg) => [alg, state.current[alg].kid])) });
    }
    case "fail":
      state.failing = (body.mode as FailMode | undefined) ?? "status";
      return void res.writeHead(204).end();
    case "recover":
      state.failing = undefined;
      return void res.writeHead(204).end();
  }
  sendJson(res, 404, { error: "no such identity provider route" });
}

/**
 * Answers the identity provider's routes and returns true, or returns false (having written
 * nothing) so the caller's own routing goes on. Mount it in any node:http server.
 */
export async function serveIdentityProvider(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
  const path = (req.url ?? "/").split("?")[0] ?? "/";
  const wellKnown = /^(?:\/idp\/([A-Za-z0-9_-]{1,64}))?\/\.well-known\/(jwks\.json|openid-configuration)$/.exec(path);
  if (wellKnown && req.method === "GET") {
    const name = wellKnown[1] ?? "default";
    const base = `http://${req.headers.host}${wellKnown[1] ? `/idp/${name}` : ""}`;
    if (wellKnown[2] === "jwks.json") serveJwks(req, res, issuer(name));
    else sendJson(res, 200, { issuer: base, jwks_uri: `${base}/.well-known/jwks.json` });
    return true;
  }
  const controlRoute = /^\/__idp(?:\/([A-Za-z0-9_-]{1,64}))?\/([a-z]+)$/.exec(path);
  if (!controlRoute) return false;
  await control(req, res, controlRoute[1] ?? "default", controlRoute[2] ?? "");
  return true;
}
