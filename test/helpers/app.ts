import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { createApp } from "../../src/app.ts";
import { newCustomerMemory } from "../../src/customers/customer-cache.ts";
import { parseSettings, type SettingsSource } from "../../src/env.ts";
import { TEST_ADMIN_TOKEN } from "../support/constants.ts";

export const ORIGIN = "https://edge.test";

/**
 * The app the suite drives: the real one, built as src/index.ts builds it, but with the hot
 * tier of the customer cache in the test's hands, so helpers/cache.ts seeds the same tiers the
 * app reads.
 */
export const customerMemory = newCustomerMemory();
const worker = createApp({ customerMemory });

/** Every answer the suite produced, for the leak scan (test/helpers/leak-scan.ts). */
export const answers: { url: string; status: number; headers: [string, string][]; body: string }[] = [];

export interface CallOptions extends RequestInit {
  /** Vars (or bindings) to override for this call only, e.g. `{ CACHE_TTL_SECONDS: "1" }`. */
  vars?: { [K in keyof SettingsSource]?: SettingsSource[K] | undefined };
  /** Wait for `waitUntil` work (background revalidation, KV writes) before returning. */
  settle?: boolean;
  /** Another app than the suite's, e.g. `createApp({ clock })` with a clock the test moves. */
  app?: { fetch(request: Request, env: Env, ctx: ExecutionContext): Response | Promise<Response> };
}

/**
 * Sends one request through the real app with the real bindings, local KV
 * and the emulator behind FRONTPAYMENT_BASE_URL. Returns after background work has settled
 * unless `settle: false`, so tests can count upstream calls without sleeping.
 */
export async function call(path: string, options: CallOptions = {}): Promise<Response> {
  const { vars, settle = true, ...init } = options;
  const ctx = createExecutionContext();
  const bindings = vars ? withVars(vars) : env;
  const app = options.app ?? (vars ? appFor(vars, bindings) : worker);
  const response = await app.fetch(new Request(ORIGIN + path, init), bindings, ctx);
  const pending = waitOnExecutionContext(ctx);
  if (settle) await pending;
  const body = await response.clone().text();
  answers.push({ url: path, status: response.status, headers: [...response.headers], body });
  return response;
}

const envCache = new Map<string, Env>();
const appCache = new Map<string, ReturnType<typeof createApp>>();

/**
 * The suite's app as a deployment with these vars would run it: settings are read once per app,
 * so other vars (or bindings) mean another app, sharing the hot customer tier with the others.
 * Apps for plain vars are kept per set of values; one with replaced bindings is new each call.
 */
function appFor(vars: NonNullable<CallOptions["vars"]>, bindings: Env) {
  const onlyStrings = Object.values(vars).every((value) => value === undefined || typeof value === "string");
  const id = onlyStrings ? JSON.stringify(vars, (_, value) => (value === undefined ? null : value)) : undefined;
  let app = id === undefined ? undefined : appCache.get(id);
  if (!app) {
    app = createApp({ customerMemory, settings: parseSettings(bindings) });
    if (id !== undefined) appCache.set(id, app);
  }
  return app;
}

/** A copy of the test env with some vars changed; plain vars are cached per set of values. */
function withVars(vars: NonNullable<CallOptions["vars"]>): Env {
  const onlyStrings = Object.values(vars).every((value) => value === undefined || typeof value === "string");
  const id = onlyStrings ? JSON.stringify(vars, (_, value) => (value === undefined ? null : value)) : undefined;
  let copy = id === undefined ? undefined : envCache.get(id);
  if (!copy) {
    copy = Object.assign(pickBindings(), vars) as Env;
    if (id !== undefined) envCache.set(id, copy);
  }
  return copy;
}

function pickBindings(): Env {
  const out: Record<string, unknown> = {};
  for (const name of Object.keys(env) as (keyof Env)[]) out[name] = env[name];
  return out as unknown as Env;
}

export function withKey(key: string, headers: Record<string, string> = {}): RequestInit {
  return { headers: { Authorization: `Bearer ${key}`, ...headers } };
}

export const adminHeaders = (extra: Record<string, string> = {}) => ({
  Authorization: `Bearer ${TEST_ADMIN_TOKEN}`,
  ...extra,
});

export async function json<T = Record<string, unknown>>(response: Response): Promise<T> {
  return (await response.json()) as T;
}
