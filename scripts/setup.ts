/**
 * `npm run setup -- --env staging|production`: everything a deployment needs before its first
 * `npm run deploy`, and safe to run again. Run with --help for the options.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import {
  ENVIRONMENTS,
  type Environment,
  isEnvironment,
  isolationProblems,
  missingKvIds,
  productionUpstreamProblem,
  type RawConfig,
  readWranglerToml,
  UPSTREAM_VAR,
  WRANGLER_TOML,
  workerName,
} from "./lib/deploy-config.ts";
import { readSecret } from "./lib/secret-input.ts";
import {
  type AccountState,
  checkRotate,
  FRONTPAYMENT_SECRET,
  type GeneratedSecret,
  generateSecret,
  LIST_NAMESPACES,
  listSecrets,
  type Namespace,
  parseJsonList,
  planSetup,
  type SetupOptions,
  type Step,
} from "./lib/setup-plan.ts";
import { setEnvVar, setKvNamespaceId } from "./lib/toml-edit.ts";
import { dryRunner, realRunner, WranglerError, type WranglerRunner } from "./lib/wrangler-runner.ts";

const USAGE = `Usage: npm run setup -- --env ${ENVIRONMENTS.join("|")} [options]

Creates the environment's two KV namespaces (in the EU jurisdiction), writes their ids into
wrangler.toml, and puts its secrets with wrangler: ADMIN_TOKEN, TOKEN_SIGNING_SECRET and
API_KEY_TAG_SECRET generated here, FRONTPAYMENT_TOKEN asked for. Running it again creates
nothing twice: ids already in wrangler.toml are kept, namespaces are found by title, and
secrets that are set are kept unless named with --rotate.

  --env <name>        ${ENVIRONMENTS.join(" or ")} (required)
  --upstream <url>    ${UPSTREAM_VAR} of this environment, written into wrangler.toml;
                      production needs one: https, not Frontpayment's demo API
  --no-eu             create the KV namespaces without a jurisdiction (default: --jurisdiction eu)
  --rotate <NAME>     replace a secret that is already set (repeatable): ADMIN_TOKEN,
                      TOKEN_SIGNING_SECRET, API_KEY_TAG_SECRET or FRONTPAYMENT_TOKEN
  --dry-run           print every wrangler command it would run, secrets masked; change nothing
  -h, --help          show this help

FRONTPAYMENT_TOKEN is asked for without echo; a script pipes it on stdin instead:
  printf %s "$FRONTPAYMENT_TOKEN" | npm run setup -- --env staging`;

interface Options extends SetupOptions {
  upstream: string | undefined;
  dryRun: boolean;
}

const log = (line = "") => console.log(line);

function parseOptions(argv: string[]): Options | undefined {
  const { values } = parseArgs({
    args: argv,
    options: {
      env: { type: "string" },
      upstream: { type: "string" },
      "no-eu": { type: "boolean" },
      rotate: { type: "string", multiple: true },
      "dry-run": { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) return undefined;
  if (!isEnvironment(values.env)) throw new Error(`--env must be ${ENVIRONMENTS.join(" or ")}`);
  return {
    env: values.env,
    upstream: values.upstream,
    jurisdiction: values["no-eu"] ? undefined : "eu",
    rotate: checkRotate(values.rotate ?? []),
    dryRun: values["dry-run"] ?? false,
  };
}

/** The environment's upstream after this run, refused when it cannot serve that environment. */
function checkUpstream(config: RawConfig, options: Options): string | undefined {
  const upstream = options.upstream ?? config.env?.[options.env]?.vars?.[UPSTREAM_VAR];
  if (options.env === "production") {
    const problem = productionUpstreamProblem(upstream);
    if (problem) throw new Error(problem);
  } else if (options.upstream !== undefined && !/^https:\/\//.test(options.upstream)) {
    throw new Error(`--upstream must be an https URL: the Frontpayment token travels with every call`);
  }
  return typeof upstream === "string" ? upstream : undefined;
}

async function accountState(config: RawConfig, env: Environment, runner: WranglerRunner): Promise<AccountState> {
  const namespaces =
    missingKvIds(config, env).length === 0 ? [] : parseJsonList<Namespace>(await runner.query(LIST_NAMESPACES, "[]"));
  let secrets: string[] = [];
  try {
    secrets = parseJsonList<{ name: string }>(await runner.query(listSecrets(env), "[]")).map((secret) => secret.name);
  } catch (error) {
    // A Worker that does not exist yet has no secrets; `secret put` creates it.
    const missing = error instanceof WranglerError && /10007|not found|does not exist/i.test(error.output);
    if (!missing) throw error;
  }
  return { namespaces, secrets };
}

async function createNamespaces(steps: Step[], runner: WranglerRunner): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  for (const step of steps) {
    if (step.kind === "keep-namespace") {
      log(`  ${step.binding}: keeping ${step.id} (${step.why})`);
      ids.set(step.binding, step.id);
    } else if (step.kind === "create-namespace") {
      await runner.run(step.args);
    }
  }
  const created = steps.flatMap((step) => (step.kind === "create-namespace" ? [step] : []));
  if (created.length === 0 || runner.dryRun) return ids;
  // Read back rather than parse the create output: the list is wrangler's stable JSON.
  const namespaces = parseJsonList<Namespace>(await runner.query(LIST_NAMESPACES, "[]"));
  for (const step of created) {
    const found = namespaces.find((namespace) => namespace.title === step.title);
    if (!found) throw new Error(`created "${step.title}" but \`wrangler kv namespace list\` does not show it`);
    ids.set(step.binding, found.id);
  }
  return ids;
}

/** Writes the ids (and the upstream, if given) into wrangler.toml, then checks wrangler reads them back. */
async function writeConfig(options: Options, ids: Map<string, string>, runner: WranglerRunner): Promise<void> {
  const before = readFileSync(WRANGLER_TOML, "utf8");
  let toml = before;
  for (const [binding, id] of ids) toml = setKvNamespaceId(toml, options.env, binding, id);
  if (options.upstream !== undefined) toml = setEnvVar(toml, options.env, UPSTREAM_VAR, options.upstream);
  if (runner.dryRun) {
    log(
      `  would write the namespace ids${options.upstream ? ` and ${UPSTREAM_VAR}` : ""} into [env.${options.env}] of wrangler.toml`,
    );
    return;
  }
  if (toml === before) return log("  wrangler.toml already says all of this");
  writeFileSync(WRANGLER_TOML, toml);
  const written = (await readWranglerToml()).env?.[options.env];
  for (const [binding, id] of ids) {
    if (written?.kv_namespaces?.find((kv) => kv.binding === binding)?.id !== id) {
      throw new Error(`wrangler.toml does not read back ${binding} = ${id}; restore it with git checkout`);
    }
  }
  log(`  wrote the ids into [env.${options.env}] of wrangler.toml: commit it (ids are not secrets)`);
}

async function putSecrets(steps: Step[], runner: WranglerRunner): Promise<string | undefined> {
  const asks = steps.some((step) => step.kind === "put-secret" && step.name === FRONTPAYMENT_SECRET);
  const frontpaymentToken = asks ? await readSecret("Frontpayment token (input hidden): ", FRONTPAYMENT_SECRET) : "";
  let adminToken: string | undefined;
  for (const step of steps) {
    if (step.kind === "keep-secret") log(`  ${step.name}: already set, kept (replace it with --rotate ${step.name})`);
    if (step.kind !== "put-secret") continue;
    const value = step.name === FRONTPAYMENT_SECRET ? frontpaymentToken : generateSecret(step.name as GeneratedSecret);
    await runner.run(step.args, value);
    if (step.name === "ADMIN_TOKEN") adminToken = value;
  }
  return runner.dryRun ? undefined : adminToken;
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  if (!options) return log(USAGE);
  const config = await readWranglerToml();
  const problems = isolationProblems(config);
  if (problems.length > 0) throw new Error(`wrangler.toml: ${problems.join("; ")}`);
  const upstream = checkUpstream(config, options);
  const runner = options.dryRun ? dryRunner(log) : realRunner(log);
  const name = workerName(config, options.env);
  log(`Setting up ${name} (env.${options.env})${options.dryRun ? ": dry run, nothing is changed" : ""}`);
  log(`  upstream: ${upstream ?? "(none)"}`);

  const state = await accountState(config, options.env, runner);
  if (runner.dryRun) log("  (a dry run assumes no namespace and no secret exists yet)");
  const steps = planSetup(config, options, state);
  log(`KV namespaces (${options.jurisdiction ? `jurisdiction ${options.jurisdiction}` : "no jurisdiction"})`);
  const ids = await createNamespaces(steps, runner);
  await writeConfig(options, ids, runner);
  log("Secrets");
  const adminToken = await putSecrets(steps, runner);

  log();
  if (adminToken) {
    log("Admin token (shown only now; keep it in a password manager, it manages API keys):");
    log(`  ${adminToken}`);
    log();
  }
  log(`Next: npm run deploy -- --env ${options.env}`);
  log(`Then: npm run smoke -- --url https://${name}.<your-subdomain>.workers.dev --customer <uuid>`);
}

main().catch((error: unknown) => {
  console.error(`npm run setup: ${error instanceof Error ? error.message : String(error)}`);
  if ((error as NodeJS.ErrnoException).code?.startsWith("ERR_PARSE_ARGS")) console.error(`\n${USAGE}`);
  process.exitCode = 1;
});
