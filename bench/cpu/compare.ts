import { type Spread, saveResults, spread } from "../lib/results.ts";
import type { Phase, Row } from "./driver.ts";
import { launch } from "./launch.ts";
import { BOUNDS } from "./report.ts";

type Phases = Record<Phase, Row[]>;

/**
 * `--baseline`: what is ours (route − bound) in another build and in this one, and the change,
 * taken round by round with the two builds alternating. Two workerd processes running the same
 * code can differ by tens of percent for their whole life (JIT and GC luck), so the comparison
 * runs on `pairs` fresh pairs of processes and pools the per-round changes.
 */
export async function compare(codes: { before: string; after: string }, options: CompareOptions): Promise<number> {
  const pairs: { before: Phases; after: Phases }[] = [];
  for (let pair = 1; pair <= options.pairs; pair++) {
    const builds = { after: await launch(codes.after), before: await launch(codes.before) };
    try {
      for (const build of Object.values(builds)) {
        await build.ask(`/setup?only=${encodeURIComponent(options.only)}`);
        await build.ask(`/calibrate?batch-ms=${options["batch-ms"]}`);
      }
      for (let round = 1; round <= options.rounds; round++) {
        process.stdout.write(`\rpair ${pair}/${options.pairs}, round ${round}/${options.rounds}`);
        const order = round % 2 ? [builds.after, builds.before] : [builds.before, builds.after];
        for (const build of order) await build.ask("/round?phase=main");
      }
      pairs.push({ before: await builds.before.ask("/result"), after: await builds.after.ask("/result") });
    } finally {
      await builds.after.mf.dispose();
      await builds.before.mf.dispose();
    }
  }
  process.stdout.write("\n");
  const ours = (phases: Phases, route: string, bound: string) => {
    const [a, b] = [route, bound].map((id) => phases.main.find((r) => r.id === id)?.rounds);
    return a && b ? a.map((x, i) => x - b[i]!) : [];
  };
  const show = (s: Spread) => `${s.median >= 0 ? "+" : ""}${s.median.toFixed(1)}`;
  console.log(`\nOurs (route − bound, wall µs) before (${options.baseline}) and after (${options.entry})`);
  for (const { route, bound, label } of BOUNDS) {
    const change = (p: (typeof pairs)[number]) => {
      const [after, before] = [ours(p.after, route, bound), ours(p.before, route, bound)];
      return after.map((x, i) => x - before[i]!);
    };
    const before = spread(pairs.flatMap((p) => ours(p.before, route, bound)));
    const after = spread(pairs.flatMap((p) => ours(p.after, route, bound)));
    const all = spread(pairs.flatMap(change));
    console.log(
      `  ${label.padEnd(13)} ${before.median.toFixed(1)} → ${after.median.toFixed(1)} µs: change ${show(all)} µs ` +
        `[IQR ${all.q1.toFixed(1)}–${all.q3.toFixed(1)}]; per pair ${pairs.map((p) => show(spread(change(p)))).join(", ")}`,
    );
  }
  saveResults("cpu-compare", { options, pairs });
  const problems = pairs.flatMap((p) =>
    (["before", "after"] as const).flatMap((side) =>
      p[side].main.flatMap((r) => r.problems.map((x) => `${side} ${r.id}: ${x}`)),
    ),
  );
  if (problems.length > 0)
    console.error(`Not as intended, so not comparable:\n  ${[...new Set(problems)].join("\n  ")}`);
  return problems.length > 0 ? 1 : 0;
}

export interface CompareOptions {
  entry: string;
  baseline: string | undefined;
  only: string;
  pairs: number;
  rounds: number;
  "batch-ms": number;
}
