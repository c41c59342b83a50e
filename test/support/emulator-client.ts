/**
 * The Frontpayment emulator's control API (frontpayment-emulator.ts) over HTTP: the one client
 * that the tests (in workerd) and the benchmark (in Node) both use.
 */
import { type Behaviour, upstreamCustomer } from "./seed-customers.ts";

export interface CustomerSetup {
  /** The customer record; by default the documentation's example under this uuid. */
  data?: Record<string, unknown>;
  behaviour?: Behaviour;
  /** Extra headers on this customer's answers (e.g. Frontpayment's budget headers). */
  headers?: Record<string, string>;
}

export interface EmulatorStats {
  /** Every customer request the emulator has answered. */
  requests: number;
  byUuid: Record<string, number>;
  invalidIds: string[];
  unauthorized: number;
  redirectsFollowed: number;
}

export function emulatorClient(baseUrl: string) {
  return {
    /** Creates or changes a customer. */
    async putCustomer(uuid: string, setup: CustomerSetup = {}): Promise<void> {
      const body = { data: setup.data ?? upstreamCustomer(uuid), behaviour: setup.behaviour, headers: setup.headers };
      const response = await fetch(`${baseUrl}/__emulator/customers/${uuid}`, {
        method: "PUT",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body),
      });
      if (!response.ok) throw new Error(`emulator PUT ${uuid}: ${response.status} ${await response.text()}`);
    },

    /** How many upstream requests the emulator has answered for this uuid. */
    async upstreamRequests(uuid: string): Promise<number> {
      const response = await fetch(`${baseUrl}/__emulator/stats/${uuid}`);
      return ((await response.json()) as { requests: number }).requests;
    },

    /** How many of this uuid's requests `behaviour.hold` is holding right now. */
    async heldRequests(uuid: string): Promise<number> {
      const response = await fetch(`${baseUrl}/__emulator/stats/${uuid}`);
      return ((await response.json()) as { held: number }).held;
    },

    /** Lets every held request of this uuid answer; returns how many there were. */
    async release(uuid: string): Promise<number> {
      const response = await fetch(`${baseUrl}/__emulator/release/${uuid}`, { method: "POST" });
      return ((await response.json()) as { released: number }).released;
    },

    async stats(): Promise<EmulatorStats> {
      const response = await fetch(`${baseUrl}/__emulator/stats`);
      return (await response.json()) as EmulatorStats;
    },
  };
}
