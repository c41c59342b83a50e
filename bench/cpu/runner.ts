import type { HeaderBytes } from "./header-bytes.ts";
import type { Phase, SuiteResult } from "./suite.ts";

/** A run's steps as cpu.ts drives them, whether the suite runs in this process or in workerd. */
export interface Runner {
  /** Where the time comes from, for the report. */
  readonly runtime: "node" | "workerd";
  setup(only: string[] | undefined): Promise<HeaderBytes>;
  calibrate(batchMs: number): Promise<void>;
  has(phase: Phase): boolean;
  round(phase: Phase): Promise<void>;
  result(): Promise<SuiteResult>;
  /** Milliseconds a busy loop of `steps` steps takes by this runtime's clock: the clock check. */
  busyMs(steps: number): Promise<number>;
  close(): Promise<void>;
}
