import { describe, expect, it } from "vitest";
import { call, json, withKey } from "./helpers/app.ts";
import { createKey } from "./helpers/keys.ts";

describe("smoke", () => {
  it("serves the documented example customer", async () => {
    const { key } = await createKey();
    const response = await call("/v1/customers/CSRT1511414842", withKey(key));
    expect(response.status).toBe(200);
    expect(await json(response)).toMatchObject({ uuid: "CSRT1511414842", name: "Kari Nordmann" });
  });
});
