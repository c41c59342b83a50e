/**
 * What `npm run check:example` asks of the example checkout page in Chromium, each in a fresh
 * browser context. Each check returns its problems; none means it passed.
 */
import type { Page, Response } from "playwright-core";

export interface CheckoutCheck {
  name: string;
  run(page: Page, storefront: string, edge: string): Promise<string[]>;
}

const STEP_TIMEOUT_MS = 15_000;
const FILLED = {
  name: "Kari Nordmann",
  email: "kari.nordmann@example.no",
  street: "Sjøhusbakken 42",
  zip: "4313",
  city: "Stavanger",
  country: "NO",
};

/** Waits until the page has said how the lookup went; returns its kind and text. */
async function outcome(page: Page): Promise<{ kind: string; text: string }> {
  const status = page.locator('#status[data-kind]:not([data-kind=""])');
  // A string: scripts/ has no DOM types.
  await page.waitForFunction('!document.getElementById("status").textContent.startsWith("Looking up")', undefined, {
    timeout: STEP_TIMEOUT_MS,
  });
  return { kind: (await status.getAttribute("data-kind")) ?? "", text: (await status.textContent()) ?? "" };
}

async function formProblems(page: Page): Promise<string[]> {
  const problems: string[] = [];
  for (const [field, expected] of Object.entries(FILLED)) {
    const value = await page.locator(`#shipping [name="${field}"]`).inputValue();
    if (value !== expected) problems.push(`${field} is "${value}", expected "${expected}"`);
  }
  return problems;
}

/** Every answer the page got from customer-edge's /v1/me. */
function meAnswers(page: Page, edge: string): Response[] {
  const answers: Response[] = [];
  page.on("response", (response) => {
    if (response.url() === `${edge}/v1/me`) answers.push(response);
  });
  return answers;
}

export const CHECKOUT_CHECKS: CheckoutCheck[] = [
  {
    name: "the page on another origin fills the shipping form from /v1/me, a cache hit after prefetch",
    async run(page, storefront, edge) {
      const answers = meAnswers(page, edge);
      await page.goto(`${storefront}/checkout`);
      const { kind, text } = await outcome(page);
      const problems = kind === "filled" ? await formProblems(page) : [`the page said: ${text}`];
      const me = answers.find((answer) => answer.status() === 200);
      if (!me) problems.push("no 200 from /v1/me");
      const origin = await me?.request().headerValue("Origin");
      if (origin !== storefront) problems.push(`the page's Origin was ${origin}, not ${storefront}`);
      const cacheStatus = (await me?.headerValue("Cache-Status")) ?? "";
      if (!/\bhit\b/.test(cacheStatus)) problems.push(`first /v1/me was not a cache hit: "${cacheStatus}"`);
      return problems;
    },
  },
  {
    name: "a refused token makes the page ask its server for a new one and fill the form",
    async run(page, storefront, edge) {
      const answers = meAnswers(page, edge);
      let tokenRequests = 0;
      // The first token the page gets is one customer-edge refuses (as it does an expired one).
      await page.route(`${storefront}/checkout/token`, async (route) => {
        tokenRequests += 1;
        if (tokenRequests > 1) return route.continue();
        const expiresAt = new Date(Date.now() + 600_000).toISOString();
        return route.fulfill({ json: { token: "eyJhbGciOiJIUzI1NiJ9.e30.ZXhwaXJlZA", expiresAt } });
      });
      await page.goto(`${storefront}/checkout`);
      const { kind, text } = await outcome(page);
      const problems = kind === "filled" ? await formProblems(page) : [`the page said: ${text}`];
      const statuses = answers.map((answer) => answer.status());
      if (statuses.join() !== "401,200") problems.push(`/v1/me answered ${statuses.join(", ")}, expected 401 then 200`);
      if (tokenRequests !== 2) problems.push(`the page asked for ${tokenRequests} tokens, expected 2`);
      return problems;
    },
  },
  {
    name: "a customer Frontpayment does not know gets its message and a request id to quote",
    async run(page, storefront) {
      await page.goto(`${storefront}/checkout?customer=CSRTNOSUCHCUSTOMER1`);
      const { kind, text } = await outcome(page);
      const problems = kind === "refused" ? [] : [`the page's status is ${kind}: ${text}`];
      if (!text.includes("could not find a saved address")) problems.push(`message: "${text}"`);
      if (!/Reference: \S{8,}/.test(text)) problems.push(`no request id in "${text}"`);
      return problems;
    },
  },
  {
    name: "Frontpayment failing shows the unavailable message, and the form stays usable",
    async run(page, storefront) {
      await page.goto(`${storefront}/checkout?customer=CSRTFAIL500`);
      const { kind, text } = await outcome(page);
      const problems = kind === "refused" && text.includes("unavailable right now") ? [] : [`status: ${text}`];
      const typed = { name: "Kari Nordmann", street: "Typed by hand 1", zip: "0150", city: "Oslo", country: "NO" };
      for (const [field, value] of Object.entries(typed)) await page.locator(`#shipping [name="${field}"]`).fill(value);
      await page.locator('#shipping button[type="submit"]').click();
      if (!(await page.locator("#status").textContent())?.includes("ready for payment"))
        problems.push("submit did nothing");
      return problems;
    },
  },
];
