/**
 * The bookkeeping of `npm run smoke`: one printed line per check, the first failure remembered
 * and named at the end, and every answer scanned for a personal number as it arrives.
 */

/** A check that did not hold; its message is the reason printed after the check's name. */
export class SmokeFailure extends Error {}

export interface Answer {
  status: number;
  cacheStatus: string;
  json: Record<string, unknown> | undefined;
}

/** A national identity number by its field name, or any JSON string of exactly 11 digits. */
const PERSONAL_NUMBER = /personal_?number|"\d{11}"/i;
const TIMEOUT_MS = 15_000;

export class SmokeRun {
  readonly baseUrl: string;
  answers = 0;
  #passed = 0;
  #failed: string | undefined;

  constructor(baseUrl: string) {
    this.baseUrl = baseUrl;
  }

  /** Runs one check and prints its line; a failure is remembered and thrown on as a SmokeFailure. */
  async check<T>(name: string, body: () => Promise<T>): Promise<T> {
    try {
      const value = await body();
      this.#passed += 1;
      console.log(`  ✓ ${name}`);
      return value;
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      console.log(`  ✗ ${name}: ${reason}`);
      this.#failed ??= name;
      throw error instanceof SmokeFailure ? error : new SmokeFailure(reason);
    }
  }

  get(path: string, headers: Record<string, string> = {}): Promise<Answer> {
    return this.send("GET", path, headers);
  }

  async send(method: string, path: string, headers: Record<string, string>, body?: unknown): Promise<Answer> {
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers: body === undefined ? headers : { ...headers, "Content-Type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch (error) {
      const reason = error instanceof Error && error.cause instanceof Error ? error.cause.message : String(error);
      throw new SmokeFailure(`cannot reach ${this.baseUrl} (${reason})`);
    }
    const text = await response.text();
    this.answers += 1;
    if (PERSONAL_NUMBER.test(text)) throw new SmokeFailure(`the answer to ${method} ${path} carries a personal number`);
    let json: Record<string, unknown> | undefined;
    try {
      const parsed: unknown = JSON.parse(text);
      if (parsed && typeof parsed === "object") json = parsed as Record<string, unknown>;
    } catch {
      // Not JSON (the /docs page): only the status counts.
    }
    return { status: response.status, cacheStatus: response.headers.get("Cache-Status") ?? "", json };
  }

  /** Fails unless the answer has `status`; names the problem's code, never its detail. */
  expect(answer: Answer, status: number): void {
    if (answer.status === status) return;
    const code = typeof answer.json?.code === "string" ? ` ${answer.json.code}` : "";
    throw new SmokeFailure(`HTTP ${answer.status}${code}, expected ${status}`);
  }

  /** Prints the verdict; the exit code. */
  report(): number {
    if (this.#failed) {
      console.log(`smoke: FAILED at "${this.#failed}"`);
      return 1;
    }
    console.log(`smoke: all ${this.#passed} checks passed`);
    return 0;
  }
}
