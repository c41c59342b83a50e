/**
 * What `npm run setup` does for one environment, decided from what already exists, as a list
 * of steps: pure, so the tests can show that a second run creates nothing twice.
 */
import { randomBytes } from "node:crypto";
import { type Environment, KV_BINDINGS, namespaceTitle, type RawConfig } from "./deploy-config.ts";

/** Secrets setup makes itself, with their size in random bytes (the Worker needs ≥ 32). */
export const GENERATED_SECRETS = { ADMIN_TOKEN: 32, TOKEN_SIGNING_SECRET: 48, API_KEY_TAG_SECRET: 32 } as const;
export type GeneratedSecret = keyof typeof GENERATED_SECRETS;
/** The one secret only the merchant has: asked for, never generated. */
export const FRONTPAYMENT_SECRET = "FRONTPAYMENT_TOKEN";
export const SECRET_NAMES = [FRONTPAYMENT_SECRET, ...(Object.keys(GENERATED_SECRETS) as GeneratedSecret[])];

/** A secret from the operating system's CSPRNG, base64url (no padding, shell-safe). */
export function generateSecret(name: GeneratedSecret): string {
  return randomBytes(GENERATED_SECRETS[name]).toString("base64url");
}

export interface Namespace {
  id: string;
  title: string;
  jurisdiction?: string;
}
/** What the account already holds, from `wrangler kv namespace list` and `wrangler secret list`. */
export interface AccountState {
  namespaces: Namespace[];
  secrets: string[];
}
export interface SetupOptions {
  env: Environment;
  /** `eu` unless --no-eu. */
  jurisdiction: "eu" | undefined;
  /** Secret names to replace even though they are set. */
  rotate: string[];
}

export type Step =
  | { kind: "keep-namespace"; binding: string; id: string; why: string }
  | { kind: "create-namespace"; binding: string; title: string; args: string[] }
  | { kind: "keep-secret"; name: string }
  | { kind: "put-secret"; name: string; args: string[]; rotating: boolean };

export const LIST_NAMESPACES = ["kv", "namespace", "list"];
export const listSecrets = (env: Environment) => ["secret", "list", "--env", env];

export function planSetup(config: RawConfig, options: SetupOptions, state: AccountState): Step[] {
  const { env } = options;
  const steps: Step[] = [];
  for (const binding of KV_BINDINGS) {
    const configured = config.env?.[env]?.kv_namespaces?.find((kv) => kv.binding === binding)?.id;
    const title = namespaceTitle(config, env, binding);
    if (configured) {
      steps.push({ kind: "keep-namespace", binding, id: configured, why: "its id is in wrangler.toml" });
      continue;
    }
    const existing = state.namespaces.find((namespace) => namespace.title === title);
    if (existing) {
      const wanted = options.jurisdiction ?? "none";
      if (existing.jurisdiction !== undefined && (existing.jurisdiction || "none") !== wanted) {
        throw new Error(
          `KV namespace "${title}" exists with jurisdiction "${existing.jurisdiction || "none"}", not "${wanted}"; ` +
            "a jurisdiction cannot be changed after creation: delete the namespace (`npx wrangler kv namespace delete " +
            `--namespace-id ${existing.id}\`) or run setup ${wanted === "eu" ? "with --no-eu" : "without --no-eu"}.`,
        );
      }
      steps.push({ kind: "keep-namespace", binding, id: existing.id, why: `found by its title "${title}"` });
      continue;
    }
    const args = [
      "kv",
      "namespace",
      "create",
      title,
      ...(options.jurisdiction ? ["--jurisdiction", options.jurisdiction] : []),
    ];
    steps.push({ kind: "create-namespace", binding, title, args });
  }
  for (const name of SECRET_NAMES) {
    const set = state.secrets.includes(name);
    const rotating = set && options.rotate.includes(name);
    if (set && !rotating) steps.push({ kind: "keep-secret", name });
    else steps.push({ kind: "put-secret", name, args: ["secret", "put", name, "--env", env], rotating });
  }
  return steps;
}

/** The rotate list, checked: only the secrets setup manages. */
export function checkRotate(names: string[]): string[] {
  for (const name of names) {
    if (!SECRET_NAMES.includes(name))
      throw new Error(`--rotate takes one of ${SECRET_NAMES.join(", ")}, got "${name}"`);
  }
  return names;
}

/** Parses `wrangler kv namespace list` / `wrangler secret list` output: a JSON array, maybe after a banner. */
export function parseJsonList<T>(stdout: string): T[] {
  const start = stdout.indexOf("[");
  const parsed: unknown = start >= 0 ? JSON.parse(stdout.slice(start)) : undefined;
  if (!Array.isArray(parsed)) throw new Error("wrangler did not print a JSON list");
  return parsed as T[];
}
