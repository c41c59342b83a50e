import { env } from "cloudflare:workers";

/** The Frontpayment emulator's control API (test/support/frontpayment-emulator.ts). */
export type Behaviour = (
  | { mode: "ok" }
  | { mode: "status"; status: number }
  | { mode: "html" | "malformed" | "schema" | "redirect" | "drop" | "huge" }
  | { mode: "foreign-404" | "gateway-404" | "other-customer" }
  | { mode: "throttled" | "throttled-date"; retryAfterSeconds?: number }
  | { mode: "slow"; delayMs: number }
  | { mode: "fail-then-ok"; failures: number; status: number }
) & { delayMs?: number };

const base = () => env.FRONTPAYMENT_BASE_URL;

let counter = 0;
/** A customer uuid no other test uses (tests share one emulator). */
export function uniqueUuid(prefix = "T"): string {
  counter++;
  return `${prefix}${Date.now().toString(36)}${counter}${Math.random().toString(36).slice(2, 8)}`.replace(
    /[^A-Za-z0-9]/g,
    "",
  );
}

import { upstreamCustomer } from "../support/seed-customers.ts";

export { SEEDED, TEST_PERSONAL_NUMBER, upstreamCustomer } from "../support/seed-customers.ts";

/** Creates or changes a customer in the emulator. */
export async function putCustomer(
  uuid: string,
  options: { data?: Record<string, unknown>; behaviour?: Behaviour; headers?: Record<string, string> } = {},
): Promise<void> {
  const body = { data: options.data ?? upstreamCustomer(uuid), behaviour: options.behaviour, headers: options.headers };
  const response = await fetch(`${base()}/__emulator/customers/${uuid}`, {
    method: "PUT",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`emulator PUT failed: ${response.status} ${await response.text()}`);
}

/** How many upstream requests the emulator has seen for this uuid. */
export async function upstreamRequests(uuid: string): Promise<number> {
  const response = await fetch(`${base()}/__emulator/stats/${uuid}`);
  return ((await response.json()) as { requests: number }).requests;
}

export interface EmulatorStats {
  requests: number;
  byUuid: Record<string, number>;
  invalidIds: string[];
  unauthorized: number;
  redirectsFollowed: number;
}

export async function emulatorStats(): Promise<EmulatorStats> {
  const response = await fetch(`${base()}/__emulator/stats`);
  return (await response.json()) as EmulatorStats;
}
