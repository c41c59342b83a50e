import { type Spread, spread } from "./measure.ts";

export interface ScenarioRow {
  id: string;
  label: string;
  /** Why it did not run; the other fields are then empty. */
  skipped?: string;
  iterations?: number;
  /** CPU µs per request, one value per round. */
  rounds?: number[];
  /** Wall-clock µs per request, one value per round. */
  wallRounds?: number[];
  us?: Spread;
  problems?: string[];
}

/** "numerator ≤ max × denominator", judged on the median across rounds of the per-round ratio. */
interface TargetSpec {
  numerator: string;
  denominator: string;
  max: number;
  /** A scenario that does only the numerator's unavoidable part: its ratio is printed beside. */
  bound?: string;
}

export const TARGETS: TargetSpec[] = [
  { numerator: "healthz", denominator: "floor", max: 2, bound: "bound-hz" },
  { numerator: "cached", denominator: "healthz", max: 2 },
  { numerator: "304", denominator: "cached", max: 1 },
  { numerator: "token-edge", denominator: "cached", max: 1.1 },
  { numerator: "token-idp", denominator: "cached", max: 1.1 },
];

/**
 * Verification cost: a never-seen token's read minus the same read with a remembered verdict,
 * per round (both ran in that round), median and spread across rounds. No target: it is what
 * the first request of each token pays, reported in µs.
 */
export const COSTS: { id: string; baseline: string; label: string }[] = [
  { id: "verify-edge", baseline: "token-edge", label: "edge token (HS256, our secret)" },
  { id: "verify-es256", baseline: "token-idp", label: "IdP token, ES256 (P-256)" },
  { id: "verify-rs256", baseline: "token-idp", label: "IdP token, RS256 (2048-bit)" },
  { id: "verify-eddsa", baseline: "token-idp", label: "IdP token, EdDSA (Ed25519)" },
];

export interface CostResult {
  id: string;
  label: string;
  /** µs the first sight of a token adds, per round's difference; null when a side was skipped. */
  us: Spread | null;
}

/** Two scenarios' rounds combined round by round (both ran in each round), as a spread. */
function perRound(a: number[], b: number[], combine: (a: number, b: number) => number): Spread {
  return spread(a.map((value, i) => combine(value, b[i]!)));
}
const minus = (a: number, b: number) => a - b;
const over = (a: number, b: number) => a / b;

export function verificationCosts(rows: ScenarioRow[]): CostResult[] {
  const byId = new Map(rows.map((r) => [r.id, r]));
  return COSTS.filter((c) => byId.has(c.id)).map(({ id, baseline, label }) => {
    const a = byId.get(id)?.rounds;
    const b = byId.get(baseline)?.rounds;
    return { id, label, us: a && b ? perRound(a, b, minus) : null };
  });
}

export function printCosts(costs: CostResult[], print: (line: string) => void, unit: string): void {
  if (costs.length === 0) return;
  print(
    `\nVerification cost (${unit}): what a never-seen token adds to a cached /v1/me read (its row minus the same\n` +
      "read with a remembered verdict, per round; median [IQR, min–max]). Repeat tokens skip it for up to 60 s.",
  );
  for (const c of costs) {
    const measured = c.us
      ? `${c.us.median.toFixed(1).padStart(6)} µs  [IQR ${c.us.q1.toFixed(1)}–${c.us.q3.toFixed(1)}, ` +
        `${c.us.min.toFixed(1)}–${c.us.max.toFixed(1)}]`
      : "skipped";
    print(`  ${c.label.padEnd(32)} ${measured}`);
  }
}

export interface TargetResult {
  name: string;
  /** null when either scenario was skipped: not judged. */
  pass: boolean | null;
  ratio: Spread | null;
  /** The same ratio for the numerator's bound scenario: what the target allows no code at all. */
  boundRatio?: Spread;
  note?: string;
}

/**
 * Each route beside its bound (the floor app sending the same answer and nothing else): the
 * bound is what sending those headers and that body costs; the rest is the route's own work.
 */
export const BOUNDS: { route: string; bound: string; label: string }[] = [
  { route: "healthz", bound: "bound-hz", label: "GET /healthz" },
  { route: "cached", bound: "bound-cached", label: "cached 200" },
];

export interface BoundResult {
  label: string;
  /** The bound in µs, and as a multiple of the floor, per round. */
  bound: Spread;
  boundOverFloor: Spread | null;
  /** The route minus its bound, per round: what is ours. */
  ours: Spread;
}

export function bounds(rows: ScenarioRow[]): BoundResult[] {
  const byId = new Map(rows.map((r) => [r.id, r]));
  const floor = byId.get("floor")?.rounds;
  return BOUNDS.flatMap(({ route, bound, label }) => {
    const a = byId.get(route)?.rounds;
    const b = byId.get(bound)?.rounds;
    if (!a || !b || b.length === 0) return [];
    return [
      {
        label,
        bound: spread(b),
        boundOverFloor: floor ? perRound(b, floor, over) : null,
        ours: perRound(a, b, minus),
      },
    ];
  });
}

export function printBounds(results: BoundResult[], print: (line: string) => void, unit: string): void {
  if (results.length === 0) return;
  print(
    `\nOurs and the bound (${unit}): the bound is the floor app sending the route's captured answer (same\n` +
      "status, headers, body) and doing nothing else; ours is the route minus its bound, per round.",
  );
  for (const r of results) {
    const times = r.boundOverFloor ? ` = ${r.boundOverFloor.median.toFixed(2)}× floor` : "";
    print(
      `  ${r.label.padEnd(13)} bound ${r.bound.median.toFixed(1).padStart(5)} µs${times}` +
        `   ours +${r.ours.median.toFixed(1)} µs [IQR ${r.ours.q1.toFixed(1)}–${r.ours.q3.toFixed(1)}]`,
    );
  }
}

export function evaluate(rows: ScenarioRow[]): TargetResult[] {
  const byId = new Map(rows.map((r) => [r.id, r]));
  const ratioOf = (a: number[] | undefined, b: number[] | undefined) =>
    a && b && a.length > 0 ? perRound(a, b, over) : undefined;
  const results: TargetResult[] = TARGETS.map(({ numerator, denominator, max, bound }) => {
    const name = `${numerator} ≤ ${max === 1 ? "" : `${max}× `}${denominator}`;
    const b = byId.get(denominator)?.rounds;
    const ratio = ratioOf(byId.get(numerator)?.rounds, b);
    if (!ratio) return { name, pass: null, ratio: null, note: "skipped" };
    const boundRatio = bound ? ratioOf(byId.get(bound)?.rounds, b) : undefined;
    return { name, pass: ratio.median <= max, ratio, ...(boundRatio && { boundRatio }) };
  });
  const problems = rows.flatMap((r) => (r.problems ?? []).map((p) => `${r.id}: ${p}`));
  results.push({
    name: "every answer as intended",
    pass: problems.length === 0,
    ratio: null,
    note: problems.length ? [...new Set(problems)].slice(0, 5).join("; ") : "status and upstream calls as expected",
  });
  return results;
}

export function printScenarios(rows: ScenarioRow[], print: (line: string) => void, timeHeader: string): void {
  const floor = rows.find((r) => r.id === "floor")?.us?.median;
  const header = ["scenario", timeHeader, "IQR", "min–max", "over floor", "wall µs", "iterations"];
  const lines = rows.map((r) =>
    r.us
      ? [
          `${r.id.padEnd(10)} ${r.label}`,
          r.us.median.toFixed(1),
          `${r.us.q1.toFixed(1)}–${r.us.q3.toFixed(1)}`,
          `${r.us.min.toFixed(1)}–${r.us.max.toFixed(1)}`,
          floor === undefined || r.id === "floor" ? "-" : `+${(r.us.median - floor).toFixed(1)}`,
          r.wallRounds ? spread(r.wallRounds).median.toFixed(1) : "-",
          String(r.iterations),
        ]
      : [`${r.id.padEnd(10)} ${r.label}`, "skipped", r.skipped ?? "", "", "", "", ""],
  );
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  print(`\n${line(header)}\n${widths.map((w) => "─".repeat(w)).join("  ")}`);
  for (const l of lines) print(line(l));
}

export function printTargets(targets: TargetResult[], print: (line: string) => void): void {
  print("\nTargets (median across rounds of each round's ratio; IQR and min–max in brackets)");
  for (const t of targets) {
    const verdict = t.pass === null ? "SKIP" : t.pass ? "PASS" : "FAIL";
    const measured = t.ratio
      ? `${t.ratio.median.toFixed(2)}×  [IQR ${t.ratio.q1.toFixed(2)}–${t.ratio.q3.toFixed(2)}, ` +
        `${t.ratio.min.toFixed(2)}–${t.ratio.max.toFixed(2)}]`
      : (t.note ?? "");
    const bound = t.boundRatio ? `  (its bound alone: ${t.boundRatio.median.toFixed(2)}×)` : "";
    print(`  ${verdict}  ${t.name.padEnd(26)} ${measured}${bound}`);
  }
}
