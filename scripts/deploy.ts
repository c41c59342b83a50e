/**
 * `npm run deploy -- --env staging|production [--dry-run] [wrangler deploy options]`:
 * `wrangler deploy` behind the checks wrangler cannot make. It refuses
 *   - no --env: the top level of wrangler.toml is local development only;
 *   - environments that share a KV namespace or rate-limit counters (scripts/lib/deploy-config.ts);
 *   - production whose FRONTPAYMENT_BASE_URL is unset, not https, or the demo API;
 *   - an environment without KV ids (setup not run): wrangler would then create namespaces
 *     itself, with no jurisdiction.
 * With --dry-run it builds without uploading (no account needed) and holds the bundle to its
 * gzip budget, as CI does for both environments.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BUDGET_GZIP_BYTES, bundleSizeOf } from "./lib/bundle-size.ts";
import {
  ENVIRONMENTS,
  isEnvironment,
  isolationProblems,
  missingKvIds,
  productionUpstreamProblem,
  ROOT,
  readWranglerToml,
  UPSTREAM_VAR,
  WRANGLER_BIN,
} from "./lib/deploy-config.ts";

class Refusal extends Error {}

/** --env and --dry-run are read here; everything else goes to wrangler as given. */
function parse(argv: string[]): { env: string | undefined; dryRun: boolean; rest: string[] } {
  let env: string | undefined;
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? "";
    if (arg === "--env" || arg === "-e") env = argv[++i];
    else if (arg.startsWith("--env=")) env = arg.slice("--env=".length);
    else rest.push(arg);
  }
  return { env, dryRun: rest.includes("--dry-run"), rest };
}

/** The upstream the deployment will get: a `--var FRONTPAYMENT_BASE_URL:<url>` wins over the file. */
function upstreamOf(rest: string[], configured: unknown): unknown {
  const prefix = `${UPSTREAM_VAR}:`;
  let upstream = configured;
  rest.forEach((arg, i) => {
    const value = arg === "--var" ? rest[i + 1] : arg.startsWith("--var=") ? arg.slice(6) : undefined;
    if (value?.startsWith(prefix)) upstream = value.slice(prefix.length);
  });
  return upstream;
}

async function main(): Promise<number> {
  const { env, dryRun, rest } = parse(process.argv.slice(2));
  if (!isEnvironment(env)) {
    throw new Refusal(
      `name the environment: --env ${ENVIRONMENTS.join(" or --env ")}. The top level of wrangler.toml is local development only.`,
    );
  }
  const config = await readWranglerToml();
  const problems = isolationProblems(config);
  if (problems.length > 0)
    throw new Refusal(`wrangler.toml keeps the environments apart no longer: ${problems.join("; ")}`);
  if (env === "production") {
    const problem = productionUpstreamProblem(upstreamOf(rest, config.env?.production?.vars?.[UPSTREAM_VAR]));
    if (problem) throw new Refusal(problem);
  }
  const missing = missingKvIds(config, env);
  if (missing.length > 0 && !dryRun) {
    throw new Refusal(
      `[env.${env}] has no KV namespace id for ${missing.join(" and ")}: run \`npm run setup -- --env ${env}\` first. ` +
        "Without ids wrangler would create the namespaces itself, outside the EU jurisdiction.",
    );
  }

  const outdir =
    dryRun && !rest.includes("--outdir") ? mkdtempSync(join(tmpdir(), "customer-edge-deploy-")) : undefined;
  try {
    const args = [WRANGLER_BIN, "deploy", "--env", env, ...rest, ...(outdir ? ["--outdir", outdir] : [])];
    const result = spawnSync(process.execPath, args, {
      cwd: ROOT,
      stdio: "inherit",
      env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
    });
    if (result.status !== 0) return result.status ?? 1;
    if (!outdir) return 0;
    const size = bundleSizeOf(outdir);
    const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
    console.log(`env.${env} bundle: ${kb(size.gzipBytes)} gzip (budget ${kb(BUDGET_GZIP_BYTES)})`);
    if (size.gzipBytes > BUDGET_GZIP_BYTES) {
      console.error(`npm run deploy: the env.${env} bundle is over its gzip budget`);
      return 1;
    }
    return 0;
  } finally {
    if (outdir) rmSync(outdir, { recursive: true, force: true });
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    const refused = error instanceof Refusal;
    console.error(
      `npm run deploy: ${refused ? "refused: " : ""}${error instanceof Error ? error.message : String(error)}`,
    );
    process.exitCode = refused ? 2 : 1;
  },
);
