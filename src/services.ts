import { createMiddleware } from "hono/factory";
import { Coalescer } from "./customers/coalescer.ts";
import { CustomerCache, type CustomerMemory, newCustomerMemory } from "./customers/customer-cache.ts";
import { CustomerService } from "./customers/customer-service.ts";
import { FrontpaymentClient, type UpstreamAnswer } from "./customers/frontpayment-client.ts";
import { PurgeLog } from "./customers/purge-log.ts";
import { RevalidationBackoff } from "./customers/revalidation-backoff.ts";
import { UpstreamGuard } from "./customers/upstream-guard.ts";
import { notConfigured, parseSettings, type Settings } from "./env.ts";
import { KeyTagger } from "./keys/key-format.ts";
import { ApiKeyStore, newKeyMemory } from "./keys/key-store.ts";
import { BoundedTtlMap } from "./lib/bounded-ttl-map.ts";
import { type Clock, systemClock } from "./lib/clock.ts";
import type { ApiError } from "./lib/errors.ts";
import { JwksCache } from "./tokens/jwks-cache.ts";
import { VerifiedTokens } from "./tokens/verified-tokens.ts";
import type { CustomerTokenConfig } from "./tokens/verify-customer-token.ts";

/**
 * The composition root: the one place where configuration is validated and services are
 * built. Anything a test or a benchmark may want to replace comes in as a dependency.
 */
export interface Deps {
  clock?: Clock;
  guard?: UpstreamGuard;
  /** The outbound fetch to Frontpayment. */
  fetch?: typeof fetch;
  /** The hot tier of the customer cache, so a test can seed the same one the app reads. */
  customerMemory?: CustomerMemory;
}

/** What the `services` middleware puts on `c.var`. */
export type ServicesVariables = { services: Services };

/**
 * State that lives as long as the isolate, built once per app: the memory tiers, the
 * in-flight map, the purge log, the revalidation backoff and the upstream guard. Each is
 * bounded; see its own module.
 */
interface IsolateState {
  clock: Clock;
  guard: UpstreamGuard;
  coalescer: Coalescer<UpstreamAnswer>;
  customerMemory: CustomerMemory;
  purges: PurgeLog;
  backoff: RevalidationBackoff;
  keyMemory: ReturnType<typeof newKeyMemory>;
  tokenVerifiers: BoundedTtlMap<string, VerifiedTokens>;
  fetch: typeof fetch | undefined;
}

/** Everything a route may use, built once per isolate from its env. */
export class Services {
  readonly settings: Settings;
  readonly clock: Clock;
  readonly keys: ApiKeyStore;
  /** Verifies customer tokens; a feature left out of its config refuses its tokens (401). */
  readonly customerTokens: VerifiedTokens;
  readonly #cache: CustomerCache | ApiError;
  readonly #customers: CustomerService | ApiError;

  constructor(env: Env, isolate: IsolateState) {
    const settings = parseSettings(env);
    this.settings = settings;
    this.clock = isolate.clock;
    const tagSecret = settings.apiKeyTagSecret;
    this.keys = new ApiKeyStore(
      env.API_KEYS,
      typeof tagSecret === "string" ? new KeyTagger(tagSecret) : notConfigured([tagSecret.problem]),
      isolate.keyMemory,
      isolate.clock,
    );
    this.customerTokens = tokenVerifier(settings, isolate);
    const { config } = settings;
    this.#cache = config
      ? new CustomerCache(env.CACHE, config, isolate.customerMemory, isolate.clock, isolate.purges)
      : notConfigured(settings.problems);
    if (!config || this.#cache instanceof Error) {
      this.#customers = notConfigured(settings.problems);
    } else if (!settings.frontpaymentToken) {
      this.#customers = notConfigured(["FRONTPAYMENT_TOKEN is not set"]);
    } else {
      this.#customers = new CustomerService({
        cache: this.#cache,
        client: new FrontpaymentClient({
          baseUrl: config.baseUrl,
          token: settings.frontpaymentToken,
          timeoutMs: config.upstreamTimeoutMs,
          guard: isolate.guard,
          fetch: isolate.fetch,
        }),
        guard: isolate.guard,
        coalescer: isolate.coalescer,
        backoff: isolate.backoff,
        timeoutMs: config.upstreamTimeoutMs,
      });
    }
  }

  /** The customer cache; 503 `not_configured` when the read path's vars are bad. */
  get cache(): CustomerCache {
    if (this.#cache instanceof Error) throw this.#cache;
    return this.#cache;
  }

  /** The read path; 503 `not_configured` when its vars are bad or FRONTPAYMENT_TOKEN is missing. */
  get customers(): CustomerService {
    if (this.#customers instanceof Error) throw this.#customers;
    return this.#customers;
  }

  /** Warms the cache for a customer (see CustomerService.prefetch); nothing when unconfigured. */
  prefetch(uuid: string, waitUntil: (work: Promise<unknown>) => void): Promise<void> {
    return this.#customers instanceof Error ? Promise.resolve() : this.#customers.prefetch(uuid, waitUntil);
  }
}

/**
 * The isolate's token verifier for these settings: its JWKS and its remembered verdicts live
 * in the isolate, not in one env's Services, so they survive however the runtime hands out
 * env objects. A new verifier only for other settings (tests use many); at most 16 are kept.
 */
function tokenVerifier(settings: Settings, isolate: IsolateState): VerifiedTokens {
  const { tokenSecrets, identityProvider: idp } = settings;
  const edge = "problem" in tokenSecrets ? undefined : tokenSecrets;
  const provider = idp && !("problem" in idp) ? idp : undefined;
  const id = JSON.stringify([edge, provider]);
  let verifier = isolate.tokenVerifiers.get(id);
  if (verifier) return verifier;
  const config: CustomerTokenConfig = {
    edge,
    idp: provider && {
      issuer: provider.issuer,
      audience: provider.audience,
      claim: provider.claim,
      scopes: provider.scopes,
      jwks: new JwksCache({
        url: provider.jwksUrl,
        fetch: isolate.fetch ?? ((url, init) => fetch(url, init)),
        now: () => isolate.clock.now(),
      }),
    },
  };
  verifier = new VerifiedTokens(config, isolate.clock);
  isolate.tokenVerifiers.set(id, verifier);
  return verifier;
}

/**
 * Builds the services once per isolate and puts them on `c.var.services` (the anchor is
 * Unkey's `init()` middleware). Vars and secrets cannot change while an isolate lives, so
 * they are parsed once per env object; a WeakMap rather than one slot, because tests hand
 * the app env copies with other vars. Entries die with their env.
 *
 * @example
 * app.use(services(deps))
 * app.get("/keys", (c) => c.var.services.keys.list())
 */
export function services(deps: Deps = {}) {
  const clock = deps.clock ?? systemClock;
  const isolate: IsolateState = {
    clock,
    guard: deps.guard ?? new UpstreamGuard(clock),
    coalescer: new Coalescer<UpstreamAnswer>(),
    customerMemory: deps.customerMemory ?? newCustomerMemory(),
    purges: new PurgeLog(),
    backoff: new RevalidationBackoff(clock),
    keyMemory: newKeyMemory(),
    tokenVerifiers: new BoundedTtlMap<string, VerifiedTokens>(16, Number.POSITIVE_INFINITY),
    fetch: deps.fetch,
  };
  const built = new WeakMap<Env, Services>();
  // Not async: it only hands next()'s promise on, which saves a layer of promises per request.
  return createMiddleware<{ Bindings: Env; Variables: ServicesVariables }>(function services(c, next) {
    let services = built.get(c.env);
    if (!services) {
      services = new Services(c.env, isolate);
      built.set(c.env, services);
    }
    c.set("services", services);
    return next();
  });
}
