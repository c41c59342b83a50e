/** The part of autocannon 9's programmatic API that bench/e2e/load.ts uses (it ships no types). */
declare module "autocannon" {
  interface Request {
    method?: string;
    path?: string;
    setupRequest?: (request: Request) => Request;
  }

  interface Options {
    url: string;
    connections?: number;
    /** Seconds; ignored when `amount` is given. */
    duration?: number;
    amount?: number;
    headers?: Record<string, string>;
    requests?: Request[];
    /** Seconds before a request counts as timed out. */
    timeout?: number;
    /** Milliseconds between autocannon's own samples (and its checks for the end of a run). */
    sampleInt?: number;
  }

  interface Result {
    errors: number;
    timeouts: number;
  }

  interface Tracker extends PromiseLike<Result> {
    on(event: "response", listener: (client: unknown, status: number, bytes: number, ms: number) => void): this;
  }

  export default function autocannon(options: Options): Tracker;
}
