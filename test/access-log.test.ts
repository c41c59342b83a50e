import { describe, expect, it } from "vitest";
import { call, withKey } from "./helpers/app.ts";
import { putCustomer, TEST_PERSONAL_NUMBER, uniqueUuid, upstreamCustomer } from "./helpers/emulator.ts";
import { createKey } from "./helpers/keys.ts";
import { logLines } from "./helpers/logs.ts";

function logLineFor(requestId: string): Record<string, unknown> {
  const matching = logLines.filter((line) => line.includes(`"requestId":"${requestId}"`));
  expect(matching).toHaveLength(1);
  return JSON.parse(matching[0]!);
}

describe("access log", () => {
  it("writes one JSON line per request with route, status, cache, upstream and key id", async () => {
    const { id, key } = await createKey();
    const uuid = uniqueUuid();
    const requestId = crypto.randomUUID();
    await putCustomer(uuid, { data: upstreamCustomer(uuid, { name: "Logged Person", email: "logged@example.no" }) });
    const response = await call(`/v1/customers/${uuid}?utm=secret-campaign`, {
      ...withKey(key),
      headers: { Authorization: `Bearer ${key}`, "X-Request-Id": requestId },
    });
    expect(response.status).toBe(200);
    const line = logLineFor(requestId);
    expect(line).toMatchObject({
      level: "info",
      message: "request",
      method: "GET",
      route: "/v1/customers/:uuid",
      status: 200,
      cache: "customer-edge; fwd=miss; stored",
      upstreamStatus: 200,
      keyId: id,
    });
    expect(line.upstreamMs).toEqual(expect.any(Number));
    expect(line.durationMs).toEqual(expect.any(Number));
    const text = JSON.stringify(line);
    for (const secret of [
      key,
      "Logged Person",
      "logged@example.no",
      "+4740000000",
      "Storgata",
      TEST_PERSONAL_NUMBER,
      "secret-campaign",
      uuid.slice(3),
    ]) {
      expect(text).not.toContain(secret);
    }
  });

  it("logs the upstream status of a failed call", async () => {
    const { key } = await createKey();
    const uuid = uniqueUuid();
    const requestId = crypto.randomUUID();
    await putCustomer(uuid, { behaviour: { mode: "status", status: 510 } });
    await call(`/v1/customers/${uuid}`, { headers: { Authorization: `Bearer ${key}`, "X-Request-Id": requestId } });
    expect(logLineFor(requestId)).toMatchObject({ status: 502, upstreamStatus: 510, cache: null });
  });

  it("logs refused requests without a key id", async () => {
    await call("/v1/customers/ABC", { headers: { "X-Request-Id": "log-refused-1" } });
    expect(logLineFor("log-refused-1")).toMatchObject({ status: 401, keyId: null, upstreamStatus: null });
  });
});
