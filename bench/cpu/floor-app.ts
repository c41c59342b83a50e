import { Hono } from "hono";

/** What a bound scenario replays: an answer of the Worker's, captured once during setup. */
export interface ReplayedAnswer {
  status: number;
  /** Built once, during setup: each answer copies it, the cheapest way to send them all. */
  headers: Headers;
  body: string | null;
}

/**
 * The floor: the cheapest Hono Worker there is, bundled and called like ours (`GET /`).
 *
 * `GET /replay` is the bound scenarios' app: it answers `env.answer`, an answer of the Worker's
 * captured during setup (same status, headers and body), with no other work: one Response
 * built from the captured Headers. What a Worker route costs beyond it is the route's
 * own work; what it costs up to it is the price of sending those headers at all.
 */
export default new Hono<{ Bindings: { answer: ReplayedAnswer } }>()
  .get("/", (c) => c.json({ status: "ok" }))
  .get("/replay", (c) => {
    const { status, headers, body } = c.env.answer;
    return new Response(body, { status, headers });
  });
