import { type CallOptions, call, json } from "./app.ts";

/** Every customer token the suite obtained: the leak scan looks for each in every answer and log. */
export const createdTokens: string[] = [];

/** Registers a token obtained some other way (an identity provider's) with the leak scan. */
export function remember(token: string): string {
  createdTokens.push(token);
  return token;
}

export interface IssuedToken {
  token: string;
  tokenType: string;
  customerUuid: string;
  scopes: string[];
  expiresAt: string;
}

/** POST /v1/customer-tokens with `key`, as a storefront server would; the raw answer. */
export async function requestToken(key: string, body: unknown, options: CallOptions = {}): Promise<Response> {
  const response = await call("/v1/customer-tokens", {
    method: "POST",
    ...options,
    headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json", ...options.headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  if (response.status === 201) remember((await json<IssuedToken>(response.clone())).token);
  return response;
}

/** Issues a token, failing the test unless the answer is 201. */
export async function issueToken(key: string, body: Record<string, unknown>, options: CallOptions = {}) {
  const response = await requestToken(key, body, options);
  if (response.status !== 201) throw new Error(`issuing a token failed: ${response.status} ${await response.text()}`);
  return json<IssuedToken>(response);
}

export const withToken = (token: string, headers: Record<string, string> = {}): RequestInit => ({
  headers: { Authorization: `Bearer ${token}`, ...headers },
});
