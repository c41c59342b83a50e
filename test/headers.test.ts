import { describe, expect, it } from "vitest";
import { createApp } from "../src/app.ts";
import { Hono } from "../src/lib/hono.ts";
import type { AppEnv } from "../src/services.ts";
import { call, customerMemory, withKey } from "./helpers/app.ts";
import { putCustomer, uniqueUuid } from "./helpers/emulator.ts";
import { createKey } from "./helpers/keys.ts";

/** What a header costs on the wire in HTTP/1.1 (HTTP/2 compresses, but pays for new values). */
const headerBytes = (response: Response) =>
  [...response.headers].reduce((sum, [name, value]) => sum + name.length + 2 + value.length + 2, 0);

async function cachedRead(headers: Record<string, string> = {}) {
  const { key } = await createKey({ scopes: ["customers:read"] });
  const uuid = uniqueUuid("HD");
  await putCustomer(uuid);
  await call(`/v1/customers/${uuid}`, withKey(key));
  return call(`/v1/customers/${uuid}`, withKey(key, headers));
}

describe("the headers of a cached 200", () => {
  it("are exactly the ones a JSON client or a browser can use, and no document headers", async () => {
    const response = await cachedRead();
    expect(response.headers.get("Cache-Status")).toMatch(/; hit; /);
    expect([...response.headers.keys()].sort()).toEqual([
      "cache-control",
      "cache-status",
      "content-security-policy",
      "content-type",
      "cross-origin-resource-policy",
      "etag",
      "ratelimit-policy",
      "referrer-policy",
      "server-timing",
      "strict-transport-security",
      "vary",
      "x-content-type-options",
      "x-request-id",
    ]);
    expect(response.headers.get("Content-Security-Policy")).toBe("default-src 'none'; frame-ancestors 'none'");
    expect(response.headers.get("X-Content-Type-Options")).toBe("nosniff");
    expect(response.headers.get("Referrer-Policy")).toBe("no-referrer");
    expect(response.headers.get("Cross-Origin-Resource-Policy")).toBe("cross-origin");
    expect(response.headers.get("Vary")).toBe("Authorization, Origin");
    // A hit reports its waits and the total, in ms; no upstream, so no `upstream` metric.
    const metrics = (response.headers.get("Server-Timing") ?? "").split(",");
    expect(metrics.map((metric) => metric.split(";")[0]).sort()).toEqual(["cache", "ratelimit", "total"]);
    for (const metric of metrics) expect(metric).toMatch(/^[a-z]+;dur=\d+\.\d$/);
    // Only a browser's page reads timings cross-origin; apps and servers are not sent the header.
    expect(response.headers.get("Timing-Allow-Origin")).toBeNull();
    const browser = await cachedRead({ Origin: "https://shop.example" });
    expect(browser.headers.get("Timing-Allow-Origin")).toBe("*");
  });

  it("fit in 700 bytes without an Origin", async () => {
    const response = await cachedRead({ "X-Request-Id": "a".repeat(64) });
    expect(headerBytes(response)).toBeLessThanOrEqual(700);
  });

  it("keep CORS, the request id and the caching headers on a browser's 304", async () => {
    const origin = { Origin: "https://shop.example" };
    const { key } = await createKey({ scopes: ["customers:read"] });
    const uuid = uniqueUuid("HD");
    await putCustomer(uuid);
    const path = `/v1/customers/${uuid}`;
    const etag = (await call(path, withKey(key, origin))).headers.get("ETag") ?? "";
    const revalidated = await call(path, withKey(key, { ...origin, "If-None-Match": etag }));
    expect(revalidated.status).toBe(304);
    expect(revalidated.headers.get("Access-Control-Allow-Origin")).toBe("https://shop.example");
    expect(revalidated.headers.get("Access-Control-Expose-Headers")).toContain("ETag");
    expect(revalidated.headers.get("X-Request-Id")).toMatch(/\S{8,}/);
    expect(revalidated.headers.get("ETag")).toBe(etag);
    expect(revalidated.headers.get("Vary")?.split(/,\s*/).sort()).toEqual(["Authorization", "Origin"]);
  });

  it("add CORS only for a browser", async () => {
    const response = await cachedRead({ Origin: "https://shop.example" });
    expect(response.headers.get("Access-Control-Allow-Origin")).toBe("https://shop.example");
    expect(response.headers.get("Access-Control-Expose-Headers")).toContain("Cache-Status");
    expect(response.headers.get("Vary")?.split(/,\s*/).sort()).toEqual(["Authorization", "Origin"]);
  });
});

describe("answers built through Hono", () => {
  it("carry a header that /v1 middleware sets before the handler: on a 200, a 304 and a problem", async () => {
    // A merchant's fork adding its own middleware, as Hono's own (request-id, cors) are written.
    const app = new Hono<AppEnv>();
    app.use("/v1/*", async (c, next) => {
      c.header("X-Probe", "set before the handler");
      await next();
    });
    app.route("/", createApp({ customerMemory }));
    const { key } = await createKey({ scopes: ["customers:read"] });
    const uuid = uniqueUuid("HD");
    await putCustomer(uuid);
    const path = `/v1/customers/${uuid}`;
    const ok = await call(path, { ...withKey(key), app });
    expect(ok.status).toBe(200);
    const etag = ok.headers.get("ETag") ?? "";
    const notModified = await call(path, { ...withKey(key, { "If-None-Match": etag }), app });
    expect(notModified.status).toBe(304);
    const refused = await call(path, { app });
    expect(refused.status).toBe(401);
    const badUuid = await call("/v1/customers/not-a-uuid!", { ...withKey(key), app });
    expect(badUuid.status).toBe(400);
    for (const response of [ok, notModified, refused, badUuid]) {
      expect(response.headers.get("X-Probe"), String(response.status)).toBe("set before the handler");
      expect(response.headers.get("X-Request-Id"), String(response.status)).toMatch(/\S{8,}/);
    }
  });
});
