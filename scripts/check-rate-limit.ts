/**
 * The per-key limit is written in one place in code (RATE_LIMIT in
 * src/middleware/rate-limit.ts, which the 429 text, RateLimit-Policy and /openapi.json use)
 * and must equal the `[[ratelimits]]` block of wrangler.toml that the binding enforces: the
 * binding cannot be asked for its numbers. This check (part of `npm test`) fails when they
 * differ.
 */
import { readFileSync } from "node:fs";

// Computed URL: src/ is type-checked with the Workers types, not this Node project's.
const { RATE_LIMIT }: { RATE_LIMIT: { limit: number; periodSeconds: number } } = await import(
  new URL("../src/middleware/rate-limit.ts", import.meta.url).href
);

const toml = readFileSync(new URL("../wrangler.toml", import.meta.url), "utf8");
const block = toml.split("[[ratelimits]]").find((part) => /name\s*=\s*"RATE_LIMITER"/.test(part));
const simple = block?.match(/simple\s*=\s*\{\s*limit\s*=\s*(\d+)\s*,\s*period\s*=\s*(\d+)\s*\}/);
if (!simple) {
  console.error("wrangler.toml: no [[ratelimits]] block named RATE_LIMITER with simple = { limit, period }");
  process.exit(1);
}
const [limit, period] = [Number(simple[1]), Number(simple[2])];
if (limit !== RATE_LIMIT.limit || period !== RATE_LIMIT.periodSeconds) {
  console.error(
    `RATE_LIMIT is ${RATE_LIMIT.limit}/${RATE_LIMIT.periodSeconds} s but wrangler.toml enforces ${limit}/${period} s: change both`,
  );
  process.exit(1);
}
console.log(`rate limit ${limit} per ${period} s: code and wrangler.toml agree`);
