import { perRound, printTable, type Spread, spread } from "../lib/results.ts";
import type { Phase, Row } from "./driver.ts";
import { COSTS } from "./scenarios.ts";

/*
 * What bench:cpu judges and reports. Every ratio and difference is taken round by round (both
 * sides ran in that round) and summarised as the median across rounds, so a slow moment of a
 * shared machine hits both sides alike.
 */

/** "numerator ≤ max × denominator": the targets that hold the code to its promises. */
const TARGETS = [
  { numerator: "304", denominator: "cached", max: 1 },
  { numerator: "token-edge", denominator: "cached", max: 1.1 },
  { numerator: "token-idp", denominator: "cached", max: 1.1 },
];
/** Ratios reported without a target (the former ratio targets, withdrawn: they reward work on global middleware). */
const REPORTED = [
  { numerator: "healthz", denominator: "floor" },
  { numerator: "cached", denominator: "healthz" },
  { numerator: "cached", denominator: "floor" },
];
/** Each route beside its bound: the bound is what sending that answer at all costs, "ours" the rest. */
export const BOUNDS = [
  { route: "healthz", bound: "bound-hz", label: "GET /healthz" },
  { route: "cached", bound: "bound-cached", label: "cached 200" },
];

const over = (a: number, b: number) => a / b;
const minus = (a: number, b: number) => a - b;
const range = (s: Spread, digits: number) =>
  `[IQR ${s.q1.toFixed(digits)}–${s.q3.toFixed(digits)}, ${s.min.toFixed(digits)}–${s.max.toFixed(digits)}]`;

export function report(phases: Record<Phase, Row[]>) {
  const rounds = (id: string, phase: Phase = "main") => phases[phase].find((r) => r.id === id)?.rounds;
  const pair = (a: string, b: string, combine: typeof over, phase: Phase = "main") => {
    const x = rounds(a, phase);
    const y = rounds(b, phase);
    return x && y ? perRound(x, y, combine) : null;
  };
  const targets = TARGETS.map((t) => {
    const ratio = pair(t.numerator, t.denominator, over);
    const name = `${t.numerator} ≤ ${t.max === 1 ? "" : `${t.max}× `}${t.denominator}`;
    return { name, ratio, pass: ratio ? ratio.median <= t.max : null };
  });
  const problems = [...phases.main, ...phases.cost].flatMap((r) => r.problems.map((p) => `${r.id}: ${p}`));
  targets.push({
    name: `every answer as intended${problems.length ? `: ${problems.join("; ")}` : ""}`,
    ratio: null,
    pass: problems.length === 0,
  });
  const ratios = REPORTED.map((r) => ({
    name: `${r.numerator} / ${r.denominator}`,
    ratio: pair(r.numerator, r.denominator, over),
  }));
  const bounds = BOUNDS.flatMap((b) => {
    const ours = pair(b.route, b.bound, minus);
    const bound = rounds(b.bound);
    return ours && bound
      ? [{ label: b.label, bound: spread(bound), boundOverFloor: pair(b.bound, "floor", over), ours }]
      : [];
  });
  const costs = COSTS.map((c) => ({ label: c.label, us: pair(c.id, c.baseline, minus, "cost") }));
  return { targets, ratios, bounds, costs, valid: problems.length === 0 };
}

export function print(phases: Record<Phase, Row[]>, result: ReturnType<typeof report>): void {
  const floor = phases.main.find((r) => r.id === "floor");
  printTable(
    ["scenario", "wall µs/req", "IQR", "min–max", "over floor", "iterations"],
    phases.main.map((r) => {
      const s = spread(r.rounds);
      const extra = floor && r !== floor ? `+${perRound(r.rounds, floor.rounds, minus).median.toFixed(1)}` : "-";
      return [
        `${r.id.padEnd(12)} ${r.label}`,
        s.median.toFixed(1),
        `${s.q1.toFixed(1)}–${s.q3.toFixed(1)}`,
        `${s.min.toFixed(1)}–${s.max.toFixed(1)}`,
        extra,
        String(r.iterations),
      ];
    }),
  );
  console.log("\nTargets (median across rounds of each round's ratio)");
  for (const t of result.targets) {
    const verdict = t.pass === null ? "SKIP" : t.pass ? "PASS" : "FAIL";
    console.log(
      `  ${verdict}  ${t.name.padEnd(26)} ${t.ratio ? `${t.ratio.median.toFixed(2)}×  ${range(t.ratio, 2)}` : ""}`,
    );
  }
  console.log("\nReported, no target");
  for (const r of result.ratios)
    if (r.ratio) console.log(`  ${r.name.padEnd(20)} ${r.ratio.median.toFixed(2)}×  ${range(r.ratio, 2)}`);
  if (result.bounds.length > 0) {
    console.log(
      "\nOurs and the bound (wall µs): the bound is the floor app sending the route's captured answer and nothing else",
    );
    for (const b of result.bounds) {
      const times = b.boundOverFloor ? ` = ${b.boundOverFloor.median.toFixed(2)}× floor` : "";
      console.log(
        `  ${b.label.padEnd(13)} bound ${b.bound.median.toFixed(1).padStart(5)} µs${times}   ours +${b.ours.median.toFixed(1)} µs ${range(b.ours, 1)}`,
      );
    }
  }
  const costs = result.costs.filter((c) => c.us);
  if (costs.length > 0) {
    console.log(
      "\nA never-seen token's verification (wall µs added to a cached /v1/me read; repeat tokens skip it for up to 60 s)",
    );
    for (const c of costs)
      console.log(`  ${c.label.padEnd(28)} ${c.us!.median.toFixed(1).padStart(6)} µs  ${range(c.us!, 1)}`);
  }
}
