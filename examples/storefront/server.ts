/**
 * The example storefront's server: serves the checkout page and, for the customer signed in to
 * the shop, asks customer-edge for a customer token with `prefetch: true`, so the page's first
 * `GET /v1/me` is a cache hit. The API key stays here; the page only ever sees the token.
 *
 *   npm run example                        (beside `npm run dev`)
 *   npm run example -- --port 8790 --edge-url http://127.0.0.1:8787
 *
 * CUSTOMER_EDGE_KEY is an API key with `tokens:issue` (and the read scope its tokens get). When it
 * is unset and customer-edge runs on this machine, a key is created through `npm run dev`'s admin
 * API: a development shortcut only.
 */
import { readFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { createCustomerEdgeClient } from "../../client/dist/index.js";
import { devIssuingKey } from "./dev-key.ts";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const CLIENT = path.join(HERE, "..", "..", "client");
const EXAMPLE_CUSTOMER = "CSRT1511414842";
const UUID = /^[A-Za-z0-9]{1,64}$/;

const { values } = parseArgs({ options: { port: { type: "string" }, "edge-url": { type: "string" } } });
const port = Number(values.port ?? process.env.PORT ?? 8790);
const edgeUrl = (values["edge-url"] ?? process.env.CUSTOMER_EDGE_URL ?? "http://127.0.0.1:8787").replace(/\/+$/, "");
const edge = createCustomerEdgeClient({
  baseUrl: edgeUrl,
  credential: process.env.CUSTOMER_EDGE_KEY || (await devIssuingKey(edgeUrl)),
});

const FILES: Record<string, [file: string, type: string]> = {
  "/checkout.js": [path.join(HERE, "checkout.js"), "text/javascript"],
  "/checkout.css": [path.join(HERE, "checkout.css"), "text/css"],
  "/vendor/customer-edge-client.js": [path.join(CLIENT, "dist", "index.js"), "text/javascript"],
  "/vendor/openapi-fetch.js": [
    path.join(CLIENT, "node_modules", "openapi-fetch", "dist", "index.mjs"),
    "text/javascript",
  ],
};

/**
 * Who is signed in. A real shop reads its own session; this example keeps the customer uuid in a
 * cookie, set by `/checkout?customer=<uuid>` (the example customer by default).
 */
function signedInCustomer(request: IncomingMessage, url: URL): string {
  const asked = url.searchParams.get("customer");
  if (asked && UUID.test(asked)) return asked;
  const cookie = /(?:^|;\s*)demo_customer=([A-Za-z0-9]{1,64})/.exec(request.headers.cookie ?? "");
  return cookie?.[1] ?? EXAMPLE_CUSTOMER;
}

/** The token route: one short-lived token for the signed-in customer, prefetched at the edge. */
async function issueToken(request: IncomingMessage, response: ServerResponse, url: URL): Promise<void> {
  const {
    data,
    error,
    response: answer,
  } = await edge.POST("/v1/customer-tokens", {
    body: { customerUuid: signedInCustomer(request, url), scopes: ["customers:read"], ttlSeconds: 600, prefetch: true },
  });
  if (!data) {
    // Log the code and request id for support; never the key or a token.
    console.error(`issuing a token failed: ${answer.status} ${error?.code ?? ""} ${error?.requestId ?? ""}`);
    send(response, 502, "application/json", JSON.stringify({ error: "token_unavailable" }));
    return;
  }
  send(response, 200, "application/json", JSON.stringify({ token: data.token, expiresAt: data.expiresAt }));
}

async function checkoutPage(request: IncomingMessage, response: ServerResponse, url: URL): Promise<void> {
  const html = (await readFile(path.join(HERE, "checkout.html"), "utf8")).replace("{{EDGE_URL}}", escapeHtml(edgeUrl));
  response.setHeader("Set-Cookie", `demo_customer=${signedInCustomer(request, url)}; Path=/; HttpOnly; SameSite=Lax`);
  send(response, 200, "text/html; charset=utf-8", html);
}

function send(response: ServerResponse, status: number, type: string, body: string | Buffer): void {
  response.writeHead(status, { "Content-Type": type, "Cache-Control": "no-store" }).end(body);
}

function escapeHtml(text: string): string {
  return text.replace(/[&"<>]/g, (char) => `&#${char.charCodeAt(0)};`);
}

const server = createServer((request, response) => {
  const url = new URL(request.url ?? "/", "http://storefront.invalid");
  const file = FILES[url.pathname];
  const handled =
    request.method === "POST" && url.pathname === "/checkout/token"
      ? issueToken(request, response, url)
      : request.method !== "GET"
        ? Promise.resolve(send(response, 405, "text/plain", "method not allowed"))
        : url.pathname === "/" || url.pathname === "/checkout"
          ? checkoutPage(request, response, url)
          : file
            ? readFile(file[0]).then((body) => send(response, 200, file[1], body))
            : Promise.resolve(send(response, 404, "text/plain", "not found"));
  handled.catch((error: unknown) => {
    console.error(`storefront: ${request.method} ${url.pathname} failed: ${(error as Error).message}`);
    if (!response.headersSent) send(response, 500, "text/plain", "internal error");
  });
});

server.listen(port, "127.0.0.1", () => {
  console.log(`Example storefront on http://localhost:${port}/checkout (customer-edge at ${edgeUrl}); Ctrl-C stops it`);
});
for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => server.close(() => process.exit(0)));
