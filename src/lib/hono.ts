import type { Env, Schema } from "hono";
import { HonoBase } from "hono/hono-base";
import { TrieRouter } from "hono/router/trie-router";

/**
 * Hono with one router. The default `Hono` bundles two (RegExpRouter and TrieRouter, chosen at
 * the first request), but this app has routes RegExpRouter refuses (`:uuid{.*}`), so it always
 * ended up on TrieRouter and carried the other's ~4 KB for nothing: bytes every cold start pays.
 */
// biome-ignore lint/complexity/noBannedTypes: Hono's own default for an empty schema.
export class Hono<E extends Env = Env, S extends Schema = {}, BasePath extends string = "/"> extends HonoBase<
  E,
  S,
  BasePath
> {
  constructor() {
    super({ router: new TrieRouter() });
  }
}
