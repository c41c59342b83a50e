/**
 * The Frontpayment emulator's control API (test/support/frontpayment-emulator.ts): create
 * customers, read how many upstream calls one customer received.
 */
import { upstreamCustomer } from "../../test/support/seed-customers.ts";

/** `extraDelayMs` is added to the emulator's latency for this customer only. */
export async function putCustomer(emulatorUrl: string, uuid: string, extraDelayMs = 0): Promise<void> {
  const response = await fetch(`${emulatorUrl}/__emulator/customers/${uuid}`, {
    method: "PUT",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({
      data: upstreamCustomer(uuid, { name: "Bench Kunde" }),
      behaviour: { mode: "ok", delayMs: extraDelayMs },
    }),
  });
  if (response.status !== 204) throw new Error(`emulator PUT ${uuid}: ${response.status} ${await response.text()}`);
}

/** Creates all of them, a few at a time. */
export async function putCustomers(emulatorUrl: string, uuids: string[]): Promise<void> {
  const queue = [...uuids];
  const worker = async () => {
    for (let uuid = queue.pop(); uuid; uuid = queue.pop()) await putCustomer(emulatorUrl, uuid);
  };
  await Promise.all(Array.from({ length: 16 }, worker));
}

export interface UpstreamStats {
  /** Every customer request the emulator has answered. */
  requests: number;
  byUuid: Record<string, number>;
}

export async function upstreamStats(emulatorUrl: string): Promise<UpstreamStats> {
  const response = await fetch(`${emulatorUrl}/__emulator/stats`);
  const { requests, byUuid } = (await response.json()) as UpstreamStats;
  return { requests, byUuid };
}
