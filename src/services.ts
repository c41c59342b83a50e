import { createMiddleware } from "hono/factory";
import type { RequestIdVariables } from "hono/request-id";
import { Coalescer } from "./customers/coalescer.ts";
import { CustomerCache, type CustomerMemory, newCustomerMemory } from "./customers/customer-cache.ts";
import { CustomerService } from "./customers/customer-service.ts";
import { FrontpaymentClient, type UpstreamAnswer } from "./customers/frontpayment-client.ts";
import { PurgeLog } from "./customers/purge-log.ts";
import { RevalidationBackoff } from "./customers/revalidation-backoff.ts";
import { UpstreamGuard } from "./customers/upstream-guard.ts";
import { type Feature, notConfigured, parseSettings, requireFeature, type Settings } from "./env.ts";
import { KeyTagger } from "./keys/key-format.ts";
import { ApiKeyStore } from "./keys/key-store.ts";
import { type Clock, systemClock } from "./lib/clock.ts";
import type { ServerTimingVariables } from "./middleware/server-timing.ts";
import { JwksCache } from "./tokens/jwks-cache.ts";
import { VerifiedTokens } from "./tokens/verified-tokens.ts";

/**
 * What the app is built with. Everything is optional: production passes nothing (settings come
 * from the Worker's env at the first request); a test or a benchmark passes what it controls.
 */
export interface Deps {
  /** Parsed settings to use instead of the env's vars and secrets (tests: `createApp({ settings })`). */
  settings?: Settings;
  clock?: Clock;
  guard?: UpstreamGuard;
  /** The outbound fetch to Frontpayment and the identity provider. */
  fetch?: typeof fetch;
  /** The hot tier of the customer cache, so a test can seed the same one the app reads. */
  customerMemory?: CustomerMemory;
}

/** What the `services` middleware puts on `c.var`. */
export type ServicesVariables = { services: Services };

/**
 * What every route has on `c.var`. Middleware that sets more declares its own variables
 * (`CallerVariables`, `UpstreamVariables`, ...), so a route's type says what really exists.
 */
export type AppEnv = {
  Bindings: Env;
  Variables: RequestIdVariables & Partial<ServerTimingVariables> & ServicesVariables;
};

/**
 * The composition root: every service the routes use, built once per app (one app per
 * isolate in production) from the settings and the Worker's bindings. The state that lives as
 * long as the isolate (memory tiers, in-flight calls, purge log, backoff, upstream guard, the
 * JWKS and verified tokens) is built here, bounded in its own module.
 */
export class Services {
  readonly settings: Settings;
  readonly clock: Clock;
  readonly keys: ApiKeyStore;
  /** Verifies customer tokens; a feature left out of the settings refuses its tokens (401). */
  readonly customerTokens: VerifiedTokens;
  readonly #cache: CustomerCache | undefined;
  readonly #customers: CustomerService | undefined;

  constructor(env: Env, settings: Settings, deps: Deps) {
    const clock = deps.clock ?? systemClock;
    const outbound = deps.fetch ?? ((url, init) => fetch(url, init));
    this.settings = settings;
    this.clock = clock;
    const tagSecret = settings.apiKeyTagSecret;
    this.keys = new ApiKeyStore(
      env.API_KEYS,
      tagSecret === undefined ? notConfigured(settings.unavailable.keyCreation) : new KeyTagger(tagSecret),
      undefined,
      clock,
    );
    const idp = settings.identityProvider;
    this.customerTokens = new VerifiedTokens(
      {
        edge: settings.tokenSecrets,
        idp: idp && {
          issuer: idp.issuer,
          audience: idp.audience,
          claim: idp.claim,
          scopes: idp.scopes,
          jwks: new JwksCache({ url: idp.jwksUrl, fetch: outbound, now: () => clock.now() }),
        },
      },
      clock,
    );
    const { readPath } = settings;
    if (!readPath) return;
    const memory = deps.customerMemory ?? newCustomerMemory();
    this.#cache = new CustomerCache(env.CACHE, readPath, memory, clock, new PurgeLog());
    if (!settings.frontpaymentToken) return;
    const guard = deps.guard ?? new UpstreamGuard(clock);
    this.#customers = new CustomerService({
      cache: this.#cache,
      client: new FrontpaymentClient({
        baseUrl: readPath.baseUrl,
        token: settings.frontpaymentToken,
        timeoutMs: readPath.upstreamTimeoutMs,
        guard,
        fetch: deps.fetch,
      }),
      guard,
      coalescer: new Coalescer<UpstreamAnswer>(),
      backoff: new RevalidationBackoff(clock),
      timeoutMs: readPath.upstreamTimeoutMs,
    });
  }

  /** Throws `503 not_configured` naming what `feature` lacks (env.ts decides). */
  require(feature: Feature): void {
    requireFeature(this.settings, feature);
  }

  /** The customer cache; 503 `not_configured` when the read path's vars are bad. */
  get cache(): CustomerCache {
    this.require("cache");
    return this.#cache!;
  }

  /** The read path; 503 `not_configured` when its vars are bad or FRONTPAYMENT_TOKEN is missing. */
  get customers(): CustomerService {
    this.require("customerReads");
    return this.#customers!;
  }

  /** Warms the cache for a customer (see CustomerService.prefetch); nothing when unconfigured. */
  prefetch(uuid: string, waitUntil: (work: Promise<unknown>) => void): Promise<void> {
    return this.#customers ? this.#customers.prefetch(uuid, waitUntil) : Promise.resolve();
  }
}

/**
 * Builds the services at the first request and puts them on `c.var.services` (the anchor is
 * Unkey's `init()` middleware). Vars, secrets and bindings cannot change while an isolate
 * lives, so they are read once; a test that needs other settings builds another app.
 *
 * @example
 * app.use(services(deps))
 * app.get("/keys", (c) => c.var.services.keys.list())
 */
export function services(deps: Deps = {}) {
  let built: Services | undefined;
  return createMiddleware<{ Bindings: Env; Variables: ServicesVariables }>(async function services(c, next) {
    built ??= new Services(c.env, deps.settings ?? parseSettings(c.env), deps);
    c.set("services", built);
    await next();
  });
}
