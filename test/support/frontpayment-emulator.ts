/**
 * Frontpayment emulator: a stand-in for Frontpayment's "Get Customer Details By Uuid" API
 * (see upstream/frontpayment-customer-details.md) for tests and local development, so neither
 * needs the network. It answers the documented envelopes for seeded customers, including ones
 * that fail in each way a real client meets. Tests run in workerd, several files at once, and
 * reach it over real HTTP, so its /__emulator/* control endpoints are keyed by customer uuid:
 * each test creates its own customers and reads the upstream calls counted for them.
 *
 *   node test/support/frontpayment-emulator.ts --port 9999 --latency 150 --token dev-token
 */

import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer, STATUS_CODES, validateHeaderName, validateHeaderValue } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { serveIdentityProvider } from "./identity-provider.ts";
import { type Behaviour, MODES, type Mode, SEEDS } from "./seed-customers.ts";

export type { Behaviour, CustomerData, Mode } from "./seed-customers.ts";
export { EXAMPLE_CUSTOMER_UUID, PERSONAL_NUMBERS, SEEDED } from "./seed-customers.ts";

export interface EmulatorOptions {
  port?: number; // 0 = random
  host?: string; // default 127.0.0.1
  token: string;
  latencyMs?: number; // added to every upstream answer, default 0
  slowMs?: number; // delay of the "slow" customer, default 10_000
}
export interface Emulator {
  url: string; // e.g. http://127.0.0.1:PORT, no trailing slash
  close(): Promise<void>;
}

const UUID_PATTERN = /^[A-Za-z0-9]{1,64}$/;
const CUSTOMER_ROUTE = "/api/v1/connect/customers/details/";
const NOT_FOUND = {
  status_code: 404,
  status_message: "Not Found",
  message: "customerNotFound",
  is_data: false,
  data: null,
};
/** Frontpayment's 404 for another resource: a 404, but not "no such customer". */
const ORDER_NOT_FOUND = {
  status_code: 404,
  status_message: "Not Found",
  message: "orderNotFound",
  is_error: false,
  errors: null,
};
const HTML_404 = "<html><head><title>404 Not Found</title></head><body><h1>Not Found</h1></body></html>\r\n";
const HTML_502 = [
  "<html>",
  "<head><title>502 Bad Gateway</title></head>",
  "<body>",
  "<center><h1>502 Bad Gateway</h1></center>",
  "<hr><center>nginx</center>",
  "</body>",
  "</html>",
  "",
].join("\r\n");

const success = (data: unknown) => ({
  status_code: 200,
  status_message: "OK",
  message: "customerDetailsRetrievedSuccessfully",
  is_data: true,
  data,
});

function failure(status: number): object {
  if (status === 404) return NOT_FOUND;
  const statusMessage = status === 510 ? "Execution Exception Occurred" : (STATUS_CODES[status] ?? "Error");
  const message = status === 401 ? "unauthenticated" : status === 403 ? "forbidden" : "Something Went Wrong";
  return { status_code: status, status_message: statusMessage, message, is_error: true, errors: [] };
}

/** A 200 whose JSON is cut off mid-way, as when a proxy truncates the answer. */
const truncatedBody = (uuid: string) =>
  JSON.stringify(success({ uuid, type: "Private", name: "Truncated Body" })).slice(0, 120);
/** Valid JSON in the success envelope, but `name` is a number and `addresses` is missing. */
const schemaViolation = (uuid: string) =>
  success({
    uuid,
    type: "Private",
    name: 4711,
    countryCode: "+47",
    msisdn: "40000000",
    email: "schema@example.no",
    status: "Active",
  });

interface Customer {
  data: unknown;
  behaviour: Behaviour;
  headers: Record<string, string>;
  failuresLeft: number;
}
type Headers = Record<string, string | number>;

function send(res: ServerResponse, status: number, contentType: string, body: string, headers: Headers = {}): void {
  res
    .writeHead(status, { ...headers, "content-type": contentType, "content-length": Buffer.byteLength(body) })
    .end(body);
}
const sendJson = (res: ServerResponse, status: number, body: unknown, headers?: Headers) =>
  send(res, status, "application/json", JSON.stringify(body), headers);

function decodeSegment(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  let body = "";
  for await (const chunk of req.setEncoding("utf8")) body += chunk;
  return JSON.parse(body);
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);
const isIntegerIn = (value: unknown, min: number, max: number) =>
  value === undefined || (typeof value === "number" && Number.isInteger(value) && value >= min && value <= max);

/** Validates a PUT body. Omitted `data` and `headers` keep the previous ones; omitted behaviour is "ok". */
function parseCustomer(body: unknown, previous: Customer | undefined): Customer | string {
  if (!isObject(body)) return "body must be a JSON object";
  const behaviour = body.behaviour ?? { mode: "ok" };
  if (!isObject(behaviour) || !MODES.includes(behaviour.mode as Mode)) {
    return `behaviour.mode must be one of ${MODES.join(", ")}`;
  }
  if (!isIntegerIn(behaviour.status, 200, 599) || (behaviour.mode === "status" && behaviour.status === undefined)) {
    return "behaviour.status must be an HTTP status 200-599";
  }
  if (
    !isIntegerIn(behaviour.failures, 0, Infinity) ||
    !isIntegerIn(behaviour.delayMs, 0, Infinity) ||
    !isIntegerIn(behaviour.retryAfterSeconds, 0, Infinity)
  ) {
    return "behaviour.failures, behaviour.delayMs and behaviour.retryAfterSeconds must be non-negative integers";
  }
  if (behaviour.hold !== undefined && typeof behaviour.hold !== "boolean") return "behaviour.hold must be a boolean";
  const data = "data" in body ? body.data : previous?.data;
  if (["ok", "slow", "fail-then-ok", "huge"].includes(behaviour.mode as Mode) && data === undefined) {
    return `mode "${String(behaviour.mode)}" needs data`;
  }
  const headers = body.headers ?? previous?.headers ?? {};
  if (!isObject(headers)) return "headers must be an object of strings";
  for (const [name, value] of Object.entries(headers)) {
    if (typeof value !== "string") return `header ${name} must be a string`;
    try {
      validateHeaderName(name);
      validateHeaderValue(name, value);
    } catch (error) {
      return `invalid header ${name}: ${(error as Error).message}`;
    }
  }
  const parsed = behaviour as unknown as Behaviour;
  return { data, behaviour: parsed, headers: headers as Record<string, string>, failuresLeft: parsed.failures ?? 1 };
}

export async function startEmulator(options: EmulatorOptions): Promise<Emulator> {
  const { host = "127.0.0.1", token, latencyMs = 0, slowMs = 10_000 } = options;
  const customers = new Map<string, Customer>(
    Object.values(SEEDS).map((seed) => [
      seed.uuid,
      { data: structuredClone(seed.data), behaviour: seed.behaviour ?? { mode: "ok" }, headers: {}, failuresLeft: 0 },
    ]),
  );
  // Header values are never stored: they carry the token. Only counts are kept.
  const emptyStats = () => ({
    requests: 0,
    byUuid: new Map<string, number>(),
    invalidIds: [] as string[],
    unauthorized: 0,
    redirectsFollowed: 0,
  });
  let stats = emptyStats();
  // Requests held by `behaviour.hold`, per uuid: each entry lets one answer go.
  const held = new Map<string, (() => void)[]>();
  function hold(uuid: string): Promise<void> {
    return new Promise((resolve) => {
      held.set(uuid, [...(held.get(uuid) ?? []), resolve]);
      closing.signal.addEventListener("abort", () => resolve(), { once: true });
    });
  }
  function release(uuid: string): number {
    const waiting = held.get(uuid) ?? [];
    held.delete(uuid);
    for (const resolve of waiting) resolve();
    return waiting.length;
  }
  // Aborted on close, so pending delays (a "slow" customer waits 10 s) end instead of holding the process.
  const closing = new AbortController();
  const pause = (ms: number) => sleep(ms, undefined, { signal: closing.signal });
  let url = "";

  /** Resolves fail-then-ok when a request arrives, so the first N to arrive fail even if their answers overlap. */
  function behaviourFor(customer: Customer): Behaviour {
    const { mode, status = 500, delayMs } = customer.behaviour;
    if (mode !== "fail-then-ok") return customer.behaviour;
    if (customer.failuresLeft <= 0) return { mode: "ok", delayMs };
    customer.failuresLeft -= 1;
    return { mode: "status", status, delayMs };
  }

  function answer(
    req: IncomingMessage,
    res: ServerResponse,
    uuid: string,
    behaviour: Behaviour,
    data: unknown,
    headers: Headers,
  ) {
    switch (behaviour.mode) {
      case "ok":
      case "slow":
      case "fail-then-ok":
        return sendJson(res, 200, success(data), headers);
      case "status":
        return sendJson(res, behaviour.status ?? 500, failure(behaviour.status ?? 500), headers);
      case "html":
        return send(res, 502, "text/html; charset=utf-8", HTML_502, headers);
      case "malformed":
        return send(res, 200, "application/json", truncatedBody(uuid), headers);
      case "schema":
        return sendJson(res, 200, schemaViolation(uuid), headers);
      case "huge":
        return sendJson(res, 200, success({ ...(data as object), padding: "x".repeat(1_000_000) }), headers);
      case "foreign-404":
        return sendJson(res, 404, ORDER_NOT_FOUND, headers);
      case "gateway-404":
        return send(res, 404, "text/html", HTML_404, headers);
      case "other-customer":
        // Another customer's record, as a mixed-up cache or routing in front of Frontpayment would answer.
        return sendJson(res, 200, success(SEEDS.example?.data), headers);
      case "throttled":
      case "throttled-date": {
        const seconds = behaviour.retryAfterSeconds ?? 30;
        const retryAfter =
          behaviour.mode === "throttled" ? String(seconds) : new Date(Date.now() + seconds * 1000).toUTCString();
        return sendJson(res, 429, failure(429), { ...headers, "retry-after": retryAfter });
      }
      case "redirect":
        return send(res, 302, "text/plain", "", { ...headers, location: `${url}/__emulator/redirected/${uuid}` });
      case "drop":
        return void req.socket.destroy();
    }
  }

  async function serveCustomer(req: IncomingMessage, res: ServerResponse, rawId: string): Promise<void> {
    const uuid = decodeSegment(rawId);
    stats.requests += 1;
    const valid = UUID_PATTERN.test(uuid);
    if (valid) stats.byUuid.set(uuid, (stats.byUuid.get(uuid) ?? 0) + 1);
    else stats.invalidIds.push(uuid);
    const customer = valid ? customers.get(uuid) : undefined;
    if (req.headers.authorization !== `Bearer ${token}`) {
      stats.unauthorized += 1;
      await pause(latencyMs);
      return sendJson(res, 401, failure(401), customer?.headers);
    }
    if (!customer) {
      await pause(latencyMs);
      return sendJson(res, 404, NOT_FOUND);
    }
    const { data, headers } = customer;
    const behaviour = behaviourFor(customer);
    if (customer.behaviour.hold) await hold(uuid);
    await pause(latencyMs + (behaviour.delayMs ?? (behaviour.mode === "slow" ? slowMs : 0)));
    answer(req, res, uuid, behaviour, data, headers);
  }

  async function putCustomer(req: IncomingMessage, res: ServerResponse, uuid: string): Promise<void> {
    if (!UUID_PATTERN.test(uuid)) return sendJson(res, 400, { error: "uuid must be 1-64 letters and digits" });
    const body = await readJson(req).catch(() => undefined);
    const customer = parseCustomer(body, customers.get(uuid));
    if (typeof customer === "string") return sendJson(res, 400, { error: customer });
    customers.set(uuid, customer);
    res.writeHead(204).end();
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // The raw path, not a parsed URL: dot segments and escapes must reach the route as sent.
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    if (await serveIdentityProvider(req, res)) return;
    const [, control, rest = ""] = /^\/__emulator\/([a-z-]+)\/?(.*)$/.exec(path) ?? [];
    const id = decodeSegment(rest);
    if (req.method === "GET" && path.startsWith(CUSTOMER_ROUTE))
      return serveCustomer(req, res, path.slice(CUSTOMER_ROUTE.length));
    if (req.method === "PUT" && control === "customers") return putCustomer(req, res, id);
    if (req.method === "GET" && control === "stats" && id)
      return sendJson(res, 200, { requests: stats.byUuid.get(id) ?? 0, held: held.get(id)?.length ?? 0 });
    if (req.method === "POST" && control === "release" && id) return sendJson(res, 200, { released: release(id) });
    if (req.method === "GET" && control === "stats")
      return sendJson(res, 200, { ...stats, byUuid: Object.fromEntries(stats.byUuid) });
    if (req.method === "POST" && control === "reset-stats") {
      stats = emptyStats();
      return void res.writeHead(204).end();
    }
    if (control === "redirected") {
      // A client that follows the redirect gets a valid customer, so a test expecting an error notices.
      stats.redirectsFollowed += 1;
      return sendJson(res, 200, success({ ...SEEDS.example?.data, uuid: id }));
    }
    sendJson(res, 404, { error: "no such emulator route" });
  }

  const server = createServer((req, res) => {
    route(req, res).catch((error: unknown) => {
      if (closing.signal.aborted || res.headersSent) return void res.destroy();
      sendJson(res, 500, { error: String(error) });
    });
  });
  await new Promise<void>((resolve, reject) => server.once("error", reject).listen(options.port ?? 0, host, resolve));
  url = `http://${host.includes(":") ? `[${host}]` : host}:${(server.address() as AddressInfo).port}`;
  return {
    url,
    close: () =>
      new Promise<void>((resolve, reject) => {
        closing.abort();
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

function numberOption(name: string, value: string | undefined, fallback: number): number {
  const parsed = value === undefined ? fallback : Number(value);
  if (!Number.isInteger(parsed) || parsed < 0)
    throw new Error(`--${name} must be a non-negative integer, got "${value}"`);
  return parsed;
}

async function main(): Promise<void> {
  const text = { type: "string" } as const;
  const { values } = parseArgs({ options: { port: text, host: text, latency: text, slow: text, token: text } });
  const emulator = await startEmulator({
    port: numberOption("port", values.port, 8788),
    host: values.host,
    latencyMs: numberOption("latency", values.latency, 0),
    slowMs: numberOption("slow", values.slow, 10_000),
    token: values.token ?? process.env.FRONTPAYMENT_TOKEN ?? "dev-frontpayment-token",
  });
  console.log(`Frontpayment emulator listening on ${emulator.url}`);
  const stop = () => void emulator.close().then(() => process.exit(0));
  process.once("SIGINT", stop).once("SIGTERM", stop);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
