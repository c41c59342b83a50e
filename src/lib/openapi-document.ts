import * as z from "zod/mini";
import { ERROR_CODES, type ErrorCode, problemBody } from "./errors.ts";
import type { Operation, ResponseSpec } from "./openapi.ts";

export const ProblemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number(),
    detail: z.string(),
    code: z.enum(ERROR_CODES as [ErrorCode, ...ErrorCode[]]),
    requestId: z.string(),
  })
  .register(z.globalRegistry, { id: "Problem", description: "RFC 9457 problem details" });

const HEADERS: Record<string, { description: string; schema: { type: "string" | "integer" } }> = {
  ETag: { description: "Strong validator of the body; send it back as If-None-Match", schema: { type: "string" } },
  "Cache-Status": {
    description:
      "RFC 9211. `customer-edge; hit; ttl=N` (fresh), `customer-edge; fwd=miss; stored` (fetched), " +
      "`customer-edge; hit; ttl=-N; detail=stale` (stale copy served)",
    schema: { type: "string" },
  },
  "Cache-Control": {
    description:
      "`private, no-cache`: shared caches never store customer data (a customer token's answers may " +
      "carry `private, max-age=N` when the service allows it); `no-store` on a new token",
    schema: { type: "string" },
  },
  "X-Request-Id": {
    description: "Echoes a safe inbound id of up to 64 characters, else a new one; on every answer, errors included",
    schema: { type: "string" },
  },
  "Server-Timing": { description: "Cache and upstream durations", schema: { type: "string" } },
  "RateLimit-Policy": {
    description:
      "Draft IETF RateLimit-Policy of the caller's limit: `per-key` for an API key, `per-customer` for a customer token",
    schema: { type: "string" },
  },
  RateLimit: { description: "Draft IETF RateLimit, sent when it is known (on 429)", schema: { type: "string" } },
  "Retry-After": { description: "Seconds to wait before retrying", schema: { type: "integer" } },
  "WWW-Authenticate": { description: "`Bearer` challenge", schema: { type: "string" } },
  "Access-Control-Allow-Origin": { description: "The page's origin, on a preflight", schema: { type: "string" } },
  "Access-Control-Allow-Methods": { description: "`GET`", schema: { type: "string" } },
  "Access-Control-Allow-Headers": {
    description: "`Authorization, X-API-Key, If-None-Match`",
    schema: { type: "string" },
  },
  "Access-Control-Max-Age": { description: "Seconds a browser may reuse the preflight", schema: { type: "integer" } },
};

/** Every answer of every route carries it (docs/api.md#headers), errors included. */
const ALWAYS = "X-Request-Id";

const IF_NONE_MATCH = {
  name: "If-None-Match",
  in: "header",
  required: false,
  description: "An `ETag` from an earlier answer; when it still matches, the answer is `304` with no body",
  schema: { type: "string" },
};

const uri = (id: string) => `#/components/schemas/${id}`;

/** Builds the OpenAPI 3.1 document from the operations' own zod schemas. */
export function buildOpenApiDocument(operations: readonly Operation[]) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const operation of operations) {
    paths[operation.path] ??= {};
    paths[operation.path]![operation.method] = describeOperation(operation);
    // A page's GET carries Authorization, so the browser sends a preflight first: declared,
    // or a gateway that enforces this document would refuse every page (docs/api.md#cors).
    if (operation.method === "get" && operation.path.startsWith("/v1/")) {
      paths[operation.path]!.options = preflight(operation);
    }
  }
  const { schemas: registered } = z.toJSONSchema(z.globalRegistry, { uri, target: "draft-2020-12" }) as {
    schemas: Record<string, Record<string, unknown>>;
  };
  const schemas = referencedOnly(registered, paths);
  return {
    openapi: "3.1.0",
    info: {
      title: "customer-edge",
      version: "1.0.0",
      license: { name: "Proprietary", identifier: "LicenseRef-Proprietary" },
      description:
        "A fast, API-key-protected edge endpoint for a Frontpayment customer's profile and addresses. " +
        "Errors are `application/problem+json` with a stable `code`.",
    },
    servers: [{ url: "/" }],
    tags: [
      { name: "customers", description: "Customer profiles and addresses" },
      { name: "customer tokens", description: "Short-lived tokens that let a page or an app read one customer" },
      { name: "meta", description: "Service health and this document" },
    ],
    paths,
    components: {
      schemas,
      headers: HEADERS,
      securitySchemes: {
        apiKeyBearer: { type: "http", scheme: "bearer", description: "API key as `Authorization: Bearer cedge_...`" },
        apiKeyHeader: {
          type: "apiKey",
          in: "header",
          name: "X-API-Key",
          description: "API key as `X-API-Key: cedge_...`",
        },
        customerToken: {
          type: "http",
          scheme: "bearer",
          bearerFormat: "JWT",
          description:
            "A customer token bound to one customer: an edge token from `POST /v1/customer-tokens`, " +
            "or the merchant identity provider's JWT",
        },
      },
    },
  };
}

/**
 * The global registry holds every schema any imported module registered (admin ones too);
 * the document keeps only those its paths reach, so it is the same whoever builds it.
 */
function referencedOnly(registered: Record<string, Record<string, unknown>>, paths: object) {
  const kept: Record<string, Record<string, unknown>> = {};
  const pending = [...refsIn(paths)];
  for (let id = pending.pop(); id !== undefined; id = pending.pop()) {
    const schema = registered[id];
    if (!schema || kept[id]) continue;
    const { $schema: _schema, $id: _id, ...rest } = schema;
    kept[id] = rest;
    pending.push(...refsIn(rest));
  }
  return Object.fromEntries(
    Object.keys(kept)
      .sort()
      .map((id) => [id, kept[id]!]),
  );
}

function refsIn(value: unknown): string[] {
  const prefix = uri("");
  return [...JSON.stringify(value).matchAll(/"\$ref":"([^"]+)"/g)]
    .map((match) => match[1]!)
    .filter((ref) => ref.startsWith(prefix))
    .map((ref) => ref.slice(prefix.length));
}

function describeOperation(operation: Operation) {
  const parameters = [
    ...(operation.params ? pathParameters(operation.params) : []),
    ...(304 in operation.responses ? [IF_NONE_MATCH] : []),
  ];
  return {
    operationId: operation.operationId,
    summary: operation.summary,
    ...(operation.description && { description: operation.description }),
    tags: operation.tags,
    security: operation.security ? operation.security.map((name) => ({ [name]: [] })) : [],
    ...(parameters.length > 0 && { parameters }),
    ...(operation.body && { requestBody: requestBody(operation.body) }),
    responses: Object.fromEntries(
      Object.entries(operation.responses).map(([status, spec]) => [status, describeResponse(spec)]),
    ),
  };
}

/**
 * The body's own description (its limits, in words: JSON Schema cannot say a byte size) goes on
 * the request body too, where readers of an operation look.
 */
function requestBody(body: z.ZodMiniType) {
  const description = z.globalRegistry.get(body)?.description;
  return {
    required: true,
    ...(description !== undefined && { description }),
    content: { "application/json": { schema: schemaFor(body) } },
  };
}

/** The CORS preflight of a page's GET: no credential, answered by fixed rules. */
function preflight(operation: Operation) {
  return {
    operationId: `${operation.operationId}Preflight`,
    summary: `CORS preflight of ${operation.operationId}`,
    description:
      "Sent by a browser before a page's `GET` with `Authorization`; needs no credential. The origin is " +
      "checked on the real request (a key's `allowedOrigins`).",
    tags: operation.tags,
    security: [],
    ...(operation.params && { parameters: pathParameters(operation.params) }),
    responses: {
      204: describeResponse({
        description: "The methods and headers a page may use",
        headers: [
          "Access-Control-Allow-Origin",
          "Access-Control-Allow-Methods",
          "Access-Control-Allow-Headers",
          "Access-Control-Max-Age",
        ],
      }),
    },
  };
}

function pathParameters(params: z.ZodMiniObject) {
  return Object.entries(params.def.shape).map(([name, schema]) => {
    const { description, examples, ...jsonSchema } = schemaFor(schema as z.ZodMiniType);
    return {
      name,
      in: "path",
      required: true,
      ...(description !== undefined && { description }),
      ...(Array.isArray(examples) && { example: examples[0] }),
      schema: jsonSchema,
    };
  });
}

/** One example per problem, named by its code; a code met again gets `_2`, `_3`, … */
function problemExamples(problems: NonNullable<ResponseSpec["problems"]>) {
  const examples: Record<string, { value: unknown }> = {};
  for (const example of problems) {
    const { code, detail } = example();
    let name: string = code;
    for (let n = 2; name in examples; n++) name = `${code}_${n}`;
    examples[name] = { value: problemBody(code, detail, "3f0c7b0e-2a51-4f7c-9d0e-5b1c6a7d8e9f") };
  }
  return examples;
}

function describeResponse(spec: ResponseSpec) {
  const names = [...new Set([...(spec.headers ?? []), ALWAYS])];
  const headers = Object.fromEntries(names.map((name) => [name, { $ref: `#/components/headers/${name}` }]));
  const base = { description: spec.description, headers };
  if (spec.problems) {
    return {
      ...base,
      content: {
        "application/problem+json": {
          schema: { $ref: uri("Problem") },
          examples: problemExamples(spec.problems),
        },
      },
    };
  }
  if (!spec.schema) return base;
  const schema = spec.alternative
    ? { oneOf: [schemaFor(spec.schema), schemaFor(spec.alternative)] }
    : schemaFor(spec.schema);
  return {
    ...base,
    content: { "application/json": { schema, ...(spec.example !== undefined && { example: spec.example }) } },
  };
}

/** A component `$ref` for registered schemas, an inline JSON Schema for the rest. */
function schemaFor(schema: z.ZodMiniType): Record<string, unknown> {
  const id = z.globalRegistry.get(schema)?.id;
  if (id) return { $ref: uri(id) };
  const { $schema: _, ...inline } = z.toJSONSchema(schema, { target: "draft-2020-12" }) as Record<string, unknown>;
  return inline;
}
