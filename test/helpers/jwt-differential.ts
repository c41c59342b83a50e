import { expect, it } from "vitest";
import { CUSTOMER_UUID_PATTERN } from "../../src/lib/customer-uuid.ts";
import { CLOCK_LEEWAY_SECONDS } from "../../src/tokens/claims.ts";

/*
 * The JWT attack corpus runs through our verifier and through `jose` (a dev dependency used only
 * by these tests, as an oracle) configured with our rules: the same algorithms, issuer,
 * audience, 60 s leeway, required claims, key selection by `kid`. Each case also pins our own
 * verdict, so the two cannot agree on a wrong answer unnoticed. Where our rules are
 * deliberately other than anything jose can be told, the case says what jose answers and why.
 */
export const NOW = Date.UTC(2030, 0, 1, 12, 0, 0);
export const SECONDS = NOW / 1000;
/** The identity provider's leeway; our own tokens have their own (EDGE_CLOCK_LEEWAY_SECONDS). */
export const LEEWAY = CLOCK_LEEWAY_SECONDS;

export interface Case {
  name: string;
  token: () => Promise<string>;
  ours: "accept" | "refuse";
  /** Only where jose's verdict differs from ours, with the reason in `why`. */
  jose?: "accept" | "refuse";
  why?: string;
}

export interface Verifiers {
  ours(token: string): Promise<boolean>;
  jose(token: string): Promise<boolean>;
}

/** One test per case; `verifiers` is read when the cases run (after the file's beforeAll). */
export function runCorpus(cases: () => Case[], verifiers: () => Verifiers): void {
  it("covers the corpus (a table that ran nothing would agree with anything)", () => {
    expect(cases().length).toBeGreaterThanOrEqual(12);
  });
  it.each(cases().map((c) => [c.name, c] as const))("%s", async (_, c) => {
    const { ours, jose } = verifiers();
    const token = await c.token();
    const expected = { ours: c.ours === "accept", jose: (c.jose ?? c.ours) === "accept" };
    if (expected.ours !== expected.jose) expect(c.why, "a difference from jose says why").toBeTruthy();
    expect({ ours: await ours(token), jose: await jose(token) }).toEqual(expected);
  });
}

/** The oracle's own application rule, the same as ours: the customer claim is a usable uuid. */
export const customerClaimOk = (payload: Record<string, unknown>, claim: string) =>
  typeof payload[claim] === "string" && CUSTOMER_UUID_PATTERN.test(payload[claim] as string);
