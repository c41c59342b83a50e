/**
 * Child process of bench/run.ts (started by e2e/worker.ts): runs the Worker the way `wrangler
 * dev` does (wrangler's own DevEnv through `unstable_startWorker`, with the project's real
 * wrangler.toml: same bundling, same two workerd processes, same proxy hop, local KV) and
 * reports its URL over IPC. It is a process of its own so that wrangler's Node side (log
 * printing, bundling) never shares an event loop with the load generator.
 *
 * What differs from a plain `wrangler dev`, each for honest and repeatable numbers:
 * - FRONTPAYMENT_BASE_URL, the secrets (TOKEN_SIGNING_SECRET included) and the
 *   CUSTOMER_JWT_* settings, which point at the emulator's development identity provider as
 *   `npm run dev` does, are given as bindings (what `--var` does), and nothing is read from
 *   .dev.vars, .env or the shell, which could change the vars;
 * - RATE_LIMITER keeps its binding, so every request still pays for the call, but with a
 *   limit no run reaches: at the real 120 requests/min per key every scenario would measure
 *   429 answers;
 * - no file watching (an edit to src/ must not reload the Worker mid-run), no inspector, KV
 *   state in the run's throwaway directory.
 *
 * Options come as JSON in BENCH_WORKER_OPTIONS, secrets in the environment (never argv).
 */
import { unstable_startWorker } from "wrangler";

export interface HostOptions {
  config: string;
  port: number;
  persistTo: string;
  /** An empty file: naming it keeps wrangler from loading .dev.vars or .env. */
  envFile: string;
  upstreamUrl: string;
  /** The identity provider whose tokens /v1/me accepts: the emulator's (`iss` is its URL). */
  jwtIssuer: string;
  jwtAudience: string;
  jwksUrl: string;
}

const NO_LIMIT = 1_000_000_000;

const options = JSON.parse(process.env.BENCH_WORKER_OPTIONS ?? "{}") as HostOptions;
const secret = (name: string) => ({ type: "secret_text", value: process.env[name] ?? "" }) as const;

const worker = await unstable_startWorker({
  config: options.config,
  envFiles: [options.envFile],
  bindings: {
    FRONTPAYMENT_BASE_URL: { type: "plain_text", value: options.upstreamUrl },
    FRONTPAYMENT_TOKEN: secret("FRONTPAYMENT_TOKEN"),
    ADMIN_TOKEN: secret("ADMIN_TOKEN"),
    TOKEN_SIGNING_SECRET: secret("TOKEN_SIGNING_SECRET"),
    API_KEY_TAG_SECRET: secret("API_KEY_TAG_SECRET"),
    CUSTOMER_JWT_ISSUER: { type: "plain_text", value: options.jwtIssuer },
    CUSTOMER_JWT_AUDIENCE: { type: "plain_text", value: options.jwtAudience },
    CUSTOMER_JWT_JWKS_URL: { type: "plain_text", value: options.jwksUrl },
    RATE_LIMITER: { type: "ratelimit", namespace_id: "1001", simple: { limit: NO_LIMIT, period: 60 } },
  },
  dev: {
    server: { hostname: "127.0.0.1", port: options.port },
    inspector: false,
    persist: options.persistTo,
    watch: false,
    remote: false,
  },
});
// A build or startup error leaves `ready` pending forever; the benchmark must hear of it now.
worker.raw.on("error", (event: unknown) => {
  console.error("wrangler could not start the Worker:", event);
  process.exit(1);
});
await worker.ready;
process.send?.({ ready: (await worker.url).href });

let stopping = false;
function stop(): void {
  if (stopping) return;
  stopping = true;
  void worker.dispose().finally(() => process.exit(0));
}
// `disconnect`: the benchmark died without cleaning up (even SIGKILL closes the IPC channel).
process.once("SIGTERM", stop).once("SIGINT", stop).once("disconnect", stop);
