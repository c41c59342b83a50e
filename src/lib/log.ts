/**
 * One structured JSON line for Workers Logs (`[observability]`), written with the console method
 * of its level so that the level Workers Logs records and the `level` field agree. `fields` name
 * what happened; never a key, a token, a customer's data or an upstream body.
 *
 * @example
 * logLine("warn", "JWKS keys dropped", { kept: 3, unusable: 1 });
 */
export function logLine(level: "warn" | "error", message: string, fields: Record<string, unknown> = {}): void {
  console[level](JSON.stringify({ level, message, ...fields }));
}
