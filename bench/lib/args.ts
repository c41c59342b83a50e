import { parseArgs } from "node:util";

type Value = number | boolean | string | undefined;

/**
 * Command-line options from their defaults: a number default makes an integer option (≥ 0), a
 * boolean one a flag, anything else a string. `--help` prints `usage` and exits.
 */
export function parse<T extends Record<string, Value>>(usage: string, defaults: T, argv: string[]): T {
  const spec = Object.fromEntries(
    Object.entries(defaults).map(([name, value]) => [
      name,
      { type: typeof value === "boolean" ? "boolean" : "string" },
    ]),
  ) as Record<string, { type: "boolean" | "string" }>;
  const { values } = parseArgs({ args: argv, options: { ...spec, help: { type: "boolean" } } });
  if (values.help) {
    console.log(usage);
    process.exit(0);
  }
  const parsed: Record<string, Value> = { ...defaults };
  for (const [name, value] of Object.entries(values)) {
    if (name === "help" || value === undefined) continue;
    if (typeof defaults[name] !== "number") parsed[name] = value as Value;
    else if (/^\d+$/.test(String(value))) parsed[name] = Number(value);
    else throw new Error(`--${name} must be a whole number, got "${value}"\n\n${usage}`);
  }
  return parsed as T;
}
