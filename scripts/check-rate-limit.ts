/**
 * Each rate limit is written in one place in code (RATE_LIMIT in
 * src/middleware/rate-limit.ts, which the 429 text, RateLimit-Policy and /openapi.json use)
 * and must equal the
 * `[[ratelimits]]` block of wrangler.toml that the binding enforces: a binding cannot be asked
 * for its numbers. This check (part of `npm test`) fails when they differ.
 */
import { readFileSync } from "node:fs";

type Limit = { limit: number; periodSeconds: number };

// Computed URLs: src/ is type-checked with the Workers types, not this Node project's.
const { RATE_LIMIT }: { RATE_LIMIT: Limit } = await import(
  new URL("../src/middleware/rate-limit.ts", import.meta.url).href
);

const toml = readFileSync(new URL("../wrangler.toml", import.meta.url), "utf8");
let failed = false;

for (const [binding, name, code] of [["RATE_LIMITER", "RATE_LIMIT", RATE_LIMIT]] as const) {
  const block = toml.split("[[ratelimits]]").find((part) => new RegExp(`name\\s*=\\s*"${binding}"`).test(part));
  const simple = block?.match(/simple\s*=\s*\{\s*limit\s*=\s*(\d+)\s*,\s*period\s*=\s*(\d+)\s*\}/);
  if (!simple) {
    console.error(`wrangler.toml: no [[ratelimits]] block named ${binding} with simple = { limit, period }`);
    failed = true;
    continue;
  }
  const [limit, period] = [Number(simple[1]), Number(simple[2])];
  if (limit !== code.limit || period !== code.periodSeconds) {
    console.error(
      `${name} is ${code.limit}/${code.periodSeconds} s but wrangler.toml's ${binding} enforces ${limit}/${period} s: change both`,
    );
    failed = true;
    continue;
  }
  console.log(`${binding}: ${limit} per ${period} s: code and wrangler.toml agree`);
}
if (failed) process.exit(1);
