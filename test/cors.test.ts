import { describe, expect, it } from "vitest";
import { call, withKey } from "./helpers/app.ts";
import { expectProblem } from "./helpers/auth-matrix.ts";
import { putCustomer, uniqueUuid, upstreamRequests } from "./helpers/emulator.ts";
import { createKey } from "./helpers/keys.ts";
import { expectLogged } from "./helpers/logs.ts";

const SHOP = "https://shop.example";

/** A new customer in the emulator and its path. */
async function newCustomer(): Promise<{ uuid: string; path: string }> {
  const uuid = uniqueUuid("CORS");
  await putCustomer(uuid);
  return { uuid, path: `/v1/customers/${uuid}` };
}

/** Header names in a comma-separated list, lowercased. */
const listed = (value: string | null) => (value ?? "").split(",").map((name) => name.trim().toLowerCase());

describe("OPTIONS preflight on /v1/*", () => {
  it("answers 204 without a key, allowing GET and the three request headers", async () => {
    const { uuid, path } = await newCustomer();
    const response = await call(path, {
      method: "OPTIONS",
      headers: {
        Origin: SHOP,
        "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "authorization, x-api-key, if-none-match",
      },
    });
    expect(response.status).toBe(204);
    expect(await response.text()).toBe("");
    expect(listed(response.headers.get("Access-Control-Allow-Methods"))).toContain("get");
    expect(listed(response.headers.get("Access-Control-Allow-Headers"))).toEqual(
      expect.arrayContaining(["authorization", "x-api-key", "if-none-match"]),
    );
    expect(response.headers.get("Access-Control-Allow-Origin")).toBe(SHOP);
    expect(listed(response.headers.get("Vary"))).toContain("origin");
    expect(Number(response.headers.get("Access-Control-Max-Age"))).toBeGreaterThan(0);
    expect(await upstreamRequests(uuid)).toBe(0);
  });

  it("allows no method but GET", async () => {
    const { path } = await newCustomer();
    const response = await call(path, {
      method: "OPTIONS",
      headers: { Origin: SHOP, "Access-Control-Request-Method": "DELETE" },
    });
    expect(response.status).toBe(204);
    expect(listed(response.headers.get("Access-Control-Allow-Methods"))).toEqual(["get"]);
  });

  it("answers the same for an origin no key lists: preflights carry no key to check", async () => {
    const { path } = await newCustomer();
    const response = await call(path, {
      method: "OPTIONS",
      headers: { Origin: "https://anyone.example", "Access-Control-Request-Method": "GET" },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get("Access-Control-Allow-Origin")).toBe("https://anyone.example");
  });

  it("ignores a key sent on a preflight", async () => {
    const { path } = await newCustomer();
    const response = await call(path, {
      method: "OPTIONS",
      headers: { Origin: SHOP, "Access-Control-Request-Method": "GET", Authorization: "Bearer cedge_not_a_key" },
    });
    expect(response.status).toBe(204);
  });
});

describe("a key with allowedOrigins", () => {
  const restrictedKey = () => createKey({ name: "cors", allowedOrigins: [SHOP, "http://localhost:5173"] });

  for (const origin of [SHOP, "http://localhost:5173"]) {
    it(`answers a listed Origin (${origin}) with 200 and CORS headers for it`, async () => {
      const { key } = await restrictedKey();
      const { path } = await newCustomer();
      const response = await call(path, withKey(key, { Origin: origin }));
      expect(response.status).toBe(200);
      expect(response.headers.get("Access-Control-Allow-Origin")).toBe(origin);
      expect(listed(response.headers.get("Vary"))).toContain("origin");
      expect(listed(response.headers.get("Access-Control-Expose-Headers"))).toEqual(
        expect.arrayContaining(["etag", "cache-status", "x-request-id", "ratelimit-policy"]),
      );
    });
  }

  for (const origin of [
    "https://evil.example",
    "http://shop.example", // other scheme
    "https://shop.example:8443", // other port
    "https://www.shop.example", // subdomain
    "https://shop.example.evil.example", // the listed origin as a prefix
    "https://SHOP.example", // browsers send lowercase hosts; anything else is not a browser's origin
    "null", // sandboxed iframes and file: pages
    "https://shop.example/ not an origin at all", // a made-up header
  ]) {
    it(`refuses an unlisted Origin (${origin}) with 403 and no CORS headers`, async () => {
      const { key, id } = await restrictedKey();
      const { uuid, path } = await newCustomer();
      const response = await call(path, withKey(key, { Origin: origin }));
      const body = await expectProblem(response, 403, "forbidden");
      expect(body.detail).toMatch(/origin/);
      expect(response.headers.get("Access-Control-Allow-Origin")).toBeNull();
      expect(response.headers.get("Access-Control-Expose-Headers")).toBeNull();
      expect(listed(response.headers.get("Vary"))).toContain("origin");
      expect(await upstreamRequests(uuid)).toBe(0);
      // The page cannot read the refusal; the log names the key's id, the origin and the request
      // id the page's developer can quote (a support search finds it by key and origin).
      // A header value no browser would send is not copied into the log.
      const logged = origin === "https://SHOP.example" || origin.includes(" ") ? "(not an origin)" : origin;
      const [line] = expectLogged('"message":"origin not allowed"', `"keyId":"${id}"`);
      expect(JSON.parse(line ?? "{}")).toEqual(
        expect.objectContaining({ origin: logged, requestId: response.headers.get("X-Request-Id") }),
      );
    });
  }

  it("answers a request without Origin (a server or a mobile app) with 200", async () => {
    const { key } = await restrictedKey();
    const { path } = await newCustomer();
    const response = await call(path, withKey(key));
    expect(response.status).toBe(200);
    expect(response.headers.get("Access-Control-Allow-Origin")).toBeNull();
  });
});

describe("a key without allowedOrigins", () => {
  for (const origin of [SHOP, "https://anyone.example", "http://localhost:3000"]) {
    it(`answers any Origin (${origin}) with 200 and CORS headers for it`, async () => {
      const { key } = await createKey({ name: "cors open" });
      const { path } = await newCustomer();
      const response = await call(path, withKey(key, { Origin: origin }));
      expect(response.status).toBe(200);
      expect(response.headers.get("Access-Control-Allow-Origin")).toBe(origin);
      expect(listed(response.headers.get("Vary"))).toContain("origin");
    });
  }

  it("lets a page read a refusal: a 401 and a 404 carry CORS, the request id and the protecting headers", async () => {
    const { key } = await createKey({ name: "cors errors" });
    const refusals = [
      await call(`/v1/customers/${uniqueUuid("CORS")}`, { headers: { Origin: SHOP } }),
      await call(`/v1/customers/${uniqueUuid("NOPE")}`, withKey(key, { Origin: SHOP })),
    ];
    expect(refusals.map((response) => response.status)).toEqual([401, 404]);
    for (const response of refusals) {
      expect(response.headers.get("Access-Control-Allow-Origin")).toBe(SHOP);
      // Every header an error may carry is readable by the page (a 401's challenge, a 429's wait).
      expect(listed(response.headers.get("Access-Control-Expose-Headers"))).toEqual(
        expect.arrayContaining(["x-request-id", "www-authenticate", "retry-after", "ratelimit", "ratelimit-policy"]),
      );
      expect(response.headers.get("X-Request-Id")).toBeTruthy();
      expect(response.headers.get("Content-Security-Policy")).toBe("default-src 'none'; frame-ancestors 'none'");
      expect(response.headers.get("Content-Type")).toBe("application/problem+json");
    }
  });

  it("lets a page read the router's own refusals: a wrong method (405) and an unknown /v1 path (404)", async () => {
    const wrongMethod = await call(`/v1/customers/${uniqueUuid("CORS")}`, {
      method: "POST",
      headers: { Origin: SHOP },
    });
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get("Allow")).toBe("GET, HEAD");
    const unknown = await call("/v1/nothing-here", { headers: { Origin: SHOP } });
    expect(unknown.status).toBe(404);
    for (const response of [wrongMethod, unknown]) {
      expect(response.headers.get("Access-Control-Allow-Origin")).toBe(SHOP);
      expect(response.headers.get("Timing-Allow-Origin")).toBe("*");
      expect(response.headers.get("Content-Type")).toBe("application/problem+json");
    }
    expect(listed(wrongMethod.headers.get("Access-Control-Expose-Headers"))).toContain("allow");
  });

  it("never allows credentials: keys travel in headers, not cookies", async () => {
    const { key } = await createKey({ name: "cors credentials" });
    const { path } = await newCustomer();
    const response = await call(path, withKey(key, { Origin: SHOP }));
    expect(response.status).toBe(200);
    expect(response.headers.get("Access-Control-Allow-Credentials")).toBeNull();
  });
});
