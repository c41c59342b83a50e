/**
 * Development shortcut: an issuing key from `npm run dev`'s admin API, so the example runs with
 * one command. A real storefront gets its key from its secret store (CUSTOMER_EDGE_KEY).
 */

/** `npm run dev`'s throwaway admin token; it opens nothing outside a developer's machine. */
const DEV_ADMIN_TOKEN = "dev-admin-token-local-only";

export async function devIssuingKey(edgeUrl: string): Promise<string> {
  const { hostname } = new URL(edgeUrl);
  if (!["127.0.0.1", "localhost", "[::1]"].includes(hostname)) {
    throw new Error("set CUSTOMER_EDGE_KEY to an API key with tokens:issue (and customers:read)");
  }
  const response = await fetch(`${edgeUrl}/admin/keys`, {
    method: "POST",
    headers: { Authorization: `Bearer ${DEV_ADMIN_TOKEN}`, "Content-Type": "application/json" },
    // The read scope is the one its tokens get: a key issues tokens only for what it may read.
    body: JSON.stringify({ name: "example storefront", scopes: ["tokens:issue", "customers:read"] }),
  });
  if (response.status !== 201) {
    throw new Error(`could not create a key at ${edgeUrl} (HTTP ${response.status}); is \`npm run dev\` running?`);
  }
  return ((await response.json()) as { key: string }).key;
}
