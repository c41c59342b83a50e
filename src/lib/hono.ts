import type { Env, Schema } from "hono";
import { HonoBase } from "hono/hono-base";
import { RegExpRouter } from "hono/router/reg-exp-router";

/**
 * Hono with one router, RegExpRouter: the one the default `Hono` (SmartRouter) would pick for
 * these routes, without also bundling TrieRouter. It matches a request with one regular
 * expression built at the first request; TrieRouter, used before, walked its tree on every
 * request. The price: a little more bundle than TrieRouter and one expression built once per
 * isolate, at the first request (docs/performance.md measures both). No route may use a pattern it refuses, such as `:uuid{.*}`: a
 * catch-all route (`/v1/customers/*`) answers the ids the `:uuid` route cannot.
 */
// biome-ignore lint/complexity/noBannedTypes: Hono's own default for an empty schema.
export class Hono<E extends Env = Env, S extends Schema = {}, BasePath extends string = "/"> extends HonoBase<
  E,
  S,
  BasePath
> {
  constructor() {
    super({ router: new RegExpRouter() });
  }
}
