import { env } from "cloudflare:workers";
import { type EmulatorStats, emulatorClient } from "../support/emulator-client.ts";

/** The Frontpayment emulator's control API (test/support/frontpayment-emulator.ts). */
export type Behaviour = (
  | { mode: "ok" }
  | { mode: "status"; status: number }
  | { mode: "html" | "malformed" | "schema" | "redirect" | "drop" | "huge" }
  | { mode: "foreign-404" | "gateway-404" | "other-customer" }
  | { mode: "throttled" | "throttled-date"; retryAfterSeconds?: number }
  | { mode: "slow"; delayMs: number }
  | { mode: "fail-then-ok"; failures: number; status: number }
) & { delayMs?: number; hold?: boolean };

const emulator = () => emulatorClient(env.FRONTPAYMENT_BASE_URL);

let counter = 0;
/** A customer uuid no other test uses (tests share one emulator). */
export function uniqueUuid(prefix = "T"): string {
  counter++;
  return `${prefix}${Date.now().toString(36)}${counter}${Math.random().toString(36).slice(2, 8)}`.replace(
    /[^A-Za-z0-9]/g,
    "",
  );
}

export type { EmulatorStats } from "../support/emulator-client.ts";
export { SEEDED, TEST_PERSONAL_NUMBER, upstreamCustomer } from "../support/seed-customers.ts";

/** Creates or changes a customer in the emulator. */
export function putCustomer(
  uuid: string,
  options: { data?: Record<string, unknown>; behaviour?: Behaviour; headers?: Record<string, string> } = {},
): Promise<void> {
  return emulator().putCustomer(uuid, options);
}

/** How many upstream requests the emulator has seen for this uuid. */
export function upstreamRequests(uuid: string): Promise<number> {
  return emulator().upstreamRequests(uuid);
}

/** How many of this uuid's requests the emulator holds (`behaviour.hold`) right now. */
export function heldRequests(uuid: string): Promise<number> {
  return emulator().heldRequests(uuid);
}

/** Lets the held requests of this uuid answer; returns how many there were. */
export function releaseHeld(uuid: string): Promise<number> {
  return emulator().release(uuid);
}

export function emulatorStats(): Promise<EmulatorStats> {
  return emulator().stats();
}
