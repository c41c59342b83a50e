/**
 * `npm run bench:headers`: what building an answer's headers costs inside workerd, by the way
 * they are built. Behind src/middleware/every-answer.ts's answerHeaders() and the decision to
 * start every answer from a Headers object built once: in workerd each header given as a
 * plain object's entry, and each one set after the Response exists, is its own call into C++,
 * while a Headers object is copied into the Response natively.
 *
 * Each case builds the same kind of answer in a loop inside Miniflare's workerd (wrangler.toml's
 * compatibility settings); cases run interleaved, in a new random order each round, for 21
 * rounds, and the median is printed with the range, in µs per answer (wall time: workerd has no
 * CPU clock; see bench/cpu/workerd-driver.ts). Differences under ~1 µs are within the noise.
 */
import { Miniflare } from "miniflare";
import { compatibility } from "./cpu/workerd.ts";

const WORKER = `
const fixed = {
  "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
  "Strict-Transport-Security": "max-age=15552000; includeSubDomains",
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "no-referrer",
  "Cross-Origin-Resource-Policy": "cross-origin",
  "Content-Type": "application/json; charset=utf-8",
  "Cache-Control": "private, no-cache",
  Vary: "Authorization",
  "RateLimit-Policy": '"per-key";q=120;w=60',
};
const fixedHeaders = new Headers(fixed);
const body = JSON.stringify({ uuid: "CSRT1511414842", name: "x".repeat(340) });
const perAnswer = (i) => ({
  "X-Request-Id": "0a2c2b7e-9c0f-4a3e-9d5e-" + (100000000000 + i),
  ETag: '"' + i + '-abcdefabcdefabcdefabcdef"',
  "Cache-Status": "customer-edge; hit; ttl=" + (i % 60),
  "Server-Timing": "cache;dur=0.0,ratelimit;dur=0.0,total;dur=0.0",
});
const cases = {
  "no headers": () => new Response(body),
  "1 header, plain object": () => new Response(body, { headers: { "Content-Type": "application/json" } }),
  "9 fixed, plain object": () => new Response(body, { headers: fixed }),
  "9 fixed, from a Headers built once": () => new Response(body, { headers: fixedHeaders }),
  "13 (9 fixed + 4 per answer), one plain object": (i) => new Response(body, { headers: { ...fixed, ...perAnswer(i) } }),
  "13, Headers built once + 4 set() after": (i) => {
    const response = new Response(body, { headers: fixedHeaders });
    const own = perAnswer(i);
    for (const name in own) response.headers.set(name, own[name]);
    return response;
  },
  "9 from a Headers built once + 4 has() (present)": () => {
    const response = new Response(body, { headers: fixedHeaders });
    const headers = response.headers;
    headers.has("Content-Security-Policy");
    headers.has("RateLimit-Policy");
    headers.has("Vary");
    headers.has("Cache-Control");
    return response;
  },
  "9 from a Headers built once + 4 set() of fixed ones": () => {
    const response = new Response(body, { headers: fixedHeaders });
    const headers = response.headers;
    headers.set("Content-Security-Policy", fixed["Content-Security-Policy"]);
    headers.set("RateLimit-Policy", fixed["RateLimit-Policy"]);
    headers.set("Vary", fixed.Vary);
    headers.set("Cache-Control", fixed["Cache-Control"]);
    return response;
  },
  "13, 1 header at construction + 12 set() after": (i) => {
    const response = new Response(body, { headers: { "Content-Type": "application/json" } });
    const all = { ...fixed, ...perAnswer(i) };
    for (const name in all) response.headers.set(name, all[name]);
    return response;
  },
};
const tick = () => new Promise((resolve) => setTimeout(resolve, 0));
async function time(n, build) {
  await tick();
  const started = Date.now();
  for (let i = 0; i < n; i++) build(i);
  await tick();
  return ((Date.now() - started) * 1000) / n;
}
export default {
  async fetch() {
    const rounds = {};
    for (const build of Object.values(cases)) await time(5000, build); // warm-up
    // A new order each round: each case leaves garbage that the next one's collections pay for,
    // and a fixed order would charge it to the same neighbour every time.
    const order = Object.keys(cases);
    for (let round = 0; round < 21; round++) {
      for (let i = order.length - 1; i > 0; i--) {
        const j = Math.floor(Math.random() * (i + 1));
        [order[i], order[j]] = [order[j], order[i]];
      }
      for (const name of order) (rounds[name] ??= []).push(await time(20000, cases[name]));
    }
    return Response.json(Object.fromEntries(Object.keys(cases).map((name) => [name, rounds[name].sort((a, b) => a - b)])));
  },
};
`;

const mf = new Miniflare({
  workers: [
    {
      config: {
        name: "customer-edge-bench-headers",
        ...compatibility(),
        manifest: { mainModule: "headers.mjs", modules: { "headers.mjs": { type: "esm", contents: WORKER } } },
      },
    },
  ],
});
try {
  const rounds = (await (await mf.dispatchFetch("http://bench/")).json()) as Record<string, number[]>;
  process.stdout.write("µs per answer inside workerd, median of 21 rounds [min–max]\n");
  for (const [name, us] of Object.entries(rounds)) {
    const line = `${us[10]!.toFixed(2).padStart(7)}  [${us[0]!.toFixed(2)}–${us[20]!.toFixed(2)}]`;
    process.stdout.write(`${line.padEnd(26)}${name}\n`);
  }
} finally {
  await mf.dispose();
}
