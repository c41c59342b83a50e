/**
 * The rules a deployment's configuration must keep, as pure functions over wrangler.toml's
 * raw contents (wrangler's own parser reads it: see readWranglerToml), so the config test,
 * `npm run setup` and `npm run deploy` all judge the same way.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
export const WRANGLER_TOML = path.join(ROOT, "wrangler.toml");
export const WRANGLER_BIN = path.join(ROOT, "node_modules", "wrangler", "bin", "wrangler.js");

export const ENVIRONMENTS = ["staging", "production"] as const;
export type Environment = (typeof ENVIRONMENTS)[number];

/** Frontpayment's demo API: right for staging, never for production. */
export const DEMO_HOST = "demo-api.frontpayment.no";
export const UPSTREAM_VAR = "FRONTPAYMENT_BASE_URL";
export const KV_BINDINGS = ["CACHE", "API_KEYS"] as const;

interface KvBinding {
  binding: string;
  id?: string;
}
interface RateLimitBinding {
  name: string;
  namespace_id?: string;
}
/** The part of a wrangler config (top level or one environment) these rules read. */
export interface RawSection {
  name?: string;
  vars?: Record<string, unknown>;
  kv_namespaces?: KvBinding[];
  ratelimits?: RateLimitBinding[];
}
export interface RawConfig extends RawSection {
  env?: Record<string, RawSection | undefined>;
}

export function isEnvironment(value: unknown): value is Environment {
  return ENVIRONMENTS.includes(value as Environment);
}

/** The deployed Worker's name: wrangler's default for an environment, `<name>-<env>`. */
export function workerName(config: RawConfig, env: Environment): string {
  return config.env?.[env]?.name ?? `${config.name}-${env}`;
}

/** The KV namespace title setup creates and looks for: what wrangler's auto-provisioning would pick. */
export function namespaceTitle(config: RawConfig, env: Environment, binding: string): string {
  return `${workerName(config, env)}-${binding.toLowerCase().replaceAll("_", "-")}`;
}

/** Why `url` cannot be production's upstream, or undefined when it can. */
export function productionUpstreamProblem(url: unknown): string | undefined {
  const why = "production must read real customers from Frontpayment's production API";
  if (typeof url !== "string" || url.trim() === "") {
    return `${UPSTREAM_VAR} is not set for production: ${why}. Set it with \`npm run setup -- --env production --upstream https://<Frontpayment production host>\`.`;
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `${UPSTREAM_VAR} for production is not a URL: ${why}.`;
  }
  if (parsed.protocol !== "https:") {
    return `${UPSTREAM_VAR} for production must be https (got ${parsed.protocol}): the Frontpayment token travels with every call.`;
  }
  if (parsed.hostname === DEMO_HOST) {
    return `${UPSTREAM_VAR} for production is Frontpayment's demo API (${DEMO_HOST}): ${why}; the demo belongs in staging.`;
  }
  return undefined;
}

/**
 * Every place where two deployments (or a deployment and local development) would share
 * state: a KV namespace id, or a rate-limit namespace_id (bindings with the same id share
 * counters, even across Workers). Also every environment that lacks a KV binding or
 * RATE_LIMITER, since an environment inherits none of them from the top level.
 */
export function isolationProblems(config: RawConfig): string[] {
  const problems: string[] = [];
  const owners = new Map<string, string>();
  const claim = (kind: string, id: string | undefined, owner: string) => {
    if (!id) return;
    const key = `${kind} ${id}`;
    const first = owners.get(key);
    if (first && first !== owner) problems.push(`${kind} "${id}" is used by both ${first} and ${owner}`);
    else owners.set(key, owner);
  };
  const sections: [string, RawSection | undefined][] = [
    ["local development (the top level)", config],
    ...ENVIRONMENTS.map((env) => [`env.${env}`, config.env?.[env]] as [string, RawSection | undefined]),
  ];
  for (const [owner, section] of sections) {
    if (!section) {
      problems.push(`${owner} is missing`);
      continue;
    }
    for (const kv of section.kv_namespaces ?? []) claim("KV namespace id", kv.id, owner);
    for (const limit of section.ratelimits ?? []) claim("rate-limit namespace_id", limit.namespace_id, owner);
    if (section === config) continue;
    for (const binding of KV_BINDINGS) {
      if (!section.kv_namespaces?.some((kv) => kv.binding === binding))
        problems.push(`${owner} has no ${binding} KV binding`);
    }
    const limiter = section.ratelimits?.find((limit) => limit.name === "RATE_LIMITER");
    if (!limiter?.namespace_id) problems.push(`${owner} has no RATE_LIMITER with its own namespace_id`);
  }
  return problems;
}

/** The KV bindings of `env` that have no namespace id yet (setup has not run for it). */
export function missingKvIds(config: RawConfig, env: Environment): string[] {
  const kv = config.env?.[env]?.kv_namespaces ?? [];
  return KV_BINDINGS.filter((binding) => !kv.find((entry) => entry.binding === binding)?.id);
}

/** wrangler.toml as wrangler itself parses it (no environment merging: the file as written). */
export async function readWranglerToml(configPath = WRANGLER_TOML): Promise<RawConfig> {
  // wrangler's bundle is large: loaded only when a command needs the config.
  const wrangler = (await import("wrangler")) as unknown as {
    experimental_readRawConfig(args: { config: string }): { rawConfig: RawConfig };
  };
  return wrangler.experimental_readRawConfig({ config: configPath }).rawConfig;
}
