import { describe, expect, it } from "vitest";
import { call, json } from "./helpers/app.ts";
import { remember } from "./helpers/customer-tokens.ts";
import { createKey } from "./helpers/keys.ts";
import { SEEDED } from "./support/seed-customers.ts";

/** What a gateway or client generator reads in the document, checked against what the Worker does. */
type Parameter = { name: string; in: string };
type Response = { headers?: Record<string, unknown> };
type Operation = { parameters?: Parameter[]; responses: Record<string, Response> };
type Document = {
  paths: Record<string, Record<string, Operation>>;
  components: {
    schemas: Record<string, { description?: string; properties?: Record<string, Record<string, unknown>> }>;
  };
};

async function document(): Promise<Document> {
  return json<Document>(await call("/openapi.json"));
}

function operations(doc: Document): [string, string, Operation][] {
  return Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, operation]): [string, string, Operation] => [path, method, operation]),
  );
}

async function issuingKey(): Promise<string> {
  return (await createKey({ scopes: ["tokens:issue", "customers:read"] })).key;
}

function issue(key: string, body: string): Promise<globalThis.Response> {
  return call("/v1/customer-tokens", {
    method: "POST",
    headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
    body,
  });
}

describe("the OpenAPI document as integrators' tools read it", () => {
  it("can be loaded by a page on another origin", async () => {
    const response = await call("/openapi.json", { headers: { Origin: "https://docs.elsewhere.example" } });
    expect(response.status).toBe(200);
    expect(response.headers.get("Access-Control-Allow-Origin")).toBe("*");
  });

  it("declares X-Request-Id on every answer, errors included, as the Worker sends it", async () => {
    const doc = await document();
    const missing = operations(doc).flatMap(([path, method, operation]) =>
      Object.entries(operation.responses)
        .filter(([, response]) => !response.headers?.["X-Request-Id"])
        .map(([status]) => `${method} ${path} ${status}`),
    );
    expect(missing).toEqual([]);
    const refused = await call("/v1/me");
    expect(refused.status).toBe(401);
    expect(refused.headers.get("X-Request-Id")).toBeTruthy();
  });

  it("declares If-None-Match wherever a 304 is declared, and only there", async () => {
    for (const [path, method, operation] of operations(await document())) {
      const declared = operation.parameters?.some((p) => p.name === "If-None-Match" && p.in === "header") ?? false;
      expect(`${method} ${path}: ${declared}`).toBe(`${method} ${path}: ${"304" in operation.responses}`);
    }
  });

  it("declares the CORS preflight of each page-readable GET, which the Worker answers 204", async () => {
    const doc = await document();
    for (const path of ["/v1/me", "/v1/customers/{uuid}"]) {
      expect(Object.keys(doc.paths[path]?.options?.responses ?? {})).toEqual(["204"]);
      const response = await call(path.replace("{uuid}", SEEDED.example!), {
        method: "OPTIONS",
        headers: {
          Origin: "https://shop.example",
          "Access-Control-Request-Method": "GET",
          "Access-Control-Request-Headers": "authorization",
        },
      });
      expect(response.status).toBe(204);
      for (const header of Object.keys(doc.paths[path]!.options!.responses["204"]!.headers ?? {})) {
        expect([header, response.headers.has(header)]).toEqual([header, true]);
      }
    }
  });

  it("says scopes must not repeat (uniqueItems), and the Worker refuses a repeat", async () => {
    const scopes = (await document()).components.schemas.CreateCustomerToken?.properties?.scopes;
    expect(scopes?.uniqueItems).toBe(true);
    const body = JSON.stringify({ customerUuid: SEEDED.example, scopes: ["customers:read", "customers:read"] });
    const response = await issue(await issuingKey(), body);
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code: "invalid_request" });
  });

  it("states the token request's body limit, and the Worker holds it to the byte", async () => {
    const description = (await document()).components.schemas.CreateCustomerToken?.description ?? "";
    const bytes = Number(/\((\d+) bytes\)/.exec(description)?.[1]);
    expect(bytes).toBeGreaterThan(0);
    const key = await issuingKey();
    const body = JSON.stringify({ customerUuid: SEEDED.example, scopes: ["customers:read"] });
    // JSON allows trailing whitespace: the same body padded to the limit, then one byte past it.
    const atLimit = await issue(key, body.padEnd(bytes, " "));
    expect(atLimit.status).toBe(201);
    remember(((await atLimit.json()) as { token: string }).token);
    const over = await issue(key, body.padEnd(bytes + 1, " "));
    expect(over.status).toBe(400);
    expect(await over.json()).toMatchObject({ code: "invalid_request" });
  });
});
