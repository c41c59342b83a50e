import { Hono } from "hono";

/** The floor: the cheapest Hono Worker there is, bundled and called like ours. */
export default new Hono().get("/", (c) => c.json({ status: "ok" }));
