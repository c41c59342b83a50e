import { call, EXAMPLE_CUSTOMER, get, type Harness, type Prepared } from "./harness.ts";
import { type HeaderBytes, headerBytes } from "./header-bytes.ts";
import { type Clock, calibrate, runBatch, spread } from "./measure.ts";
import { COSTS, type ScenarioRow } from "./report.ts";
import { SCENARIOS } from "./scenarios.ts";

export type Phase = "main" | "cost";

/** What a run hands to the report: plain JSON, so it crosses from workerd to Node as it is. */
export interface SuiteResult {
  rows: ScenarioRow[];
  costRows: ScenarioRow[];
}

/**
 * The steps of a run, the same in Node (cpu.ts calls them) and inside workerd (the driver
 * calls them when Node asks): set the scenarios up, size their batches, run round after
 * round of each phase, hand the rows back.
 */
export class Suite {
  readonly prepared = new Map<string, Prepared>();
  readonly #iterations = new Map<string, number>();
  #rows: ScenarioRow[] = [];
  #costRows: ScenarioRow[] = [];

  readonly h: Harness;
  readonly clock: Clock;

  constructor(h: Harness, clock: Clock) {
    this.h = h;
    this.clock = clock;
  }

  /** Prepares the wanted scenarios; returns the header bytes of a cached 200 without Origin. */
  async setup(only: string[] | undefined): Promise<HeaderBytes> {
    // A verification cost needs its baseline: --only verify-edge brings token-edge along.
    const wantedIds = only && [...only, ...COSTS.filter((c) => only.includes(c.id)).map((c) => c.baseline)];
    for (const scenario of SCENARIOS.filter((s) => !wantedIds || wantedIds.includes(s.id))) {
      const ready = await scenario.setup(this.h);
      if (typeof ready === "string") this.#rows.push({ id: scenario.id, label: scenario.label, skipped: ready });
      else {
        this.prepared.set(scenario.id, ready);
        this.#rows.push({ id: scenario.id, label: scenario.label, rounds: [], wallRounds: [], problems: [] });
      }
    }
    // Never-seen-token scenarios run in a phase of their own, after the others: each of their
    // requests leaves a token, a Request and a verdict behind, and the collections that follow
    // would be charged to whichever scenario runs next, the ones the targets compare included.
    for (const cost of COSTS) {
      const row = this.#rows.find((r) => r.id === cost.id && r.rounds);
      const baseline = this.#rows.find((r) => r.id === cost.baseline && r.rounds);
      if (!row || !baseline) continue;
      if (!this.#costRows.some((r) => r.id === baseline.id))
        this.#costRows.push({ ...baseline, rounds: [], wallRounds: [], problems: [] });
      this.#costRows.push(row);
    }
    const h = this.h;
    return headerBytes(
      await call(h.worker, h.bindings.env, get(`/v1/customers/${EXAMPLE_CUSTOMER}`, { "X-API-Key": h.apiKey })),
    );
  }

  async calibrate(batchMs: number): Promise<void> {
    for (const [id, p] of this.prepared)
      this.#iterations.set(id, await calibrate(p, batchMs, this.h.upstreamCalls, this.clock));
  }

  /** Whether the phase has anything to run. */
  has(phase: Phase): boolean {
    return this.#phase(phase).length > 0;
  }

  async round(phase: Phase): Promise<void> {
    for (const row of this.#phase(phase)) {
      const p = this.prepared.get(row.id);
      if (!p) continue;
      const batch = await runBatch(p, this.#iterations.get(row.id)!, this.h.upstreamCalls, this.clock);
      row.rounds!.push(batch.us);
      row.wallRounds!.push(batch.wallUs);
      row.problems!.push(...batch.problems);
    }
  }

  result(): SuiteResult {
    for (const row of [...this.#rows, ...this.#costRows]) {
      if (!row.rounds || row.rounds.length === 0) continue;
      row.iterations = this.#iterations.get(row.id);
      row.us = spread(row.rounds);
      row.problems = [...new Set(row.problems)];
    }
    return { rows: this.#rows, costRows: this.#costRows };
  }

  #phase(phase: Phase): ScenarioRow[] {
    const costIds = new Set(COSTS.map((c) => c.id));
    return phase === "cost" ? this.#costRows : this.#rows.filter((r) => !costIds.has(r.id) && r.rounds);
  }
}

/** A busy loop of `steps` steps whose length both runtimes can time: the clock check. */
export function busyLoop(steps: number): number {
  let x = 0;
  for (let i = 0; i < steps; i++) x = (x * 31 + i) | 0;
  return x;
}
