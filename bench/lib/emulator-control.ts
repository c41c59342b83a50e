/**
 * The benchmark's use of the Frontpayment emulator's control API (test/support/emulator-client.ts):
 * create many customers, read how many upstream calls each received.
 */
import { emulatorClient } from "../../test/support/emulator-client.ts";
import { upstreamCustomer } from "../../test/support/seed-customers.ts";

/** `extraDelayMs` is added to the emulator's latency for this customer only. */
export function putCustomer(emulatorUrl: string, uuid: string, extraDelayMs = 0): Promise<void> {
  return emulatorClient(emulatorUrl).putCustomer(uuid, {
    data: { ...upstreamCustomer(uuid, { name: "Bench Kunde" }) },
    behaviour: { mode: "ok", delayMs: extraDelayMs },
  });
}

/** Creates all of them, a few at a time. */
export async function putCustomers(emulatorUrl: string, uuids: string[]): Promise<void> {
  const queue = [...uuids];
  const worker = async () => {
    for (let uuid = queue.pop(); uuid; uuid = queue.pop()) await putCustomer(emulatorUrl, uuid);
  };
  await Promise.all(Array.from({ length: 16 }, worker));
}

export function upstreamStats(emulatorUrl: string) {
  return emulatorClient(emulatorUrl).stats();
}
