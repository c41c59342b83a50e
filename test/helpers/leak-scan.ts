import { afterAll, afterEach, beforeEach, expect } from "vitest";
import { TEST_ADMIN_TOKEN, TEST_FRONTPAYMENT_TOKEN, TEST_TOKEN_SIGNING_SECRET } from "../support/constants.ts";
import { PERSONAL_NUMBERS } from "../support/seed-customers.ts";
import { answers } from "./app.ts";
import { createdTokens } from "./customer-tokens.ts";
import { TEST_PERSONAL_NUMBER } from "./emulator.ts";
import { createdKeys } from "./keys.ts";
import { clearLogLines, logLines, resetUnclaimed, unclaimedLines } from "./logs.ts";

/**
 * Registered for every test file (vitest `setupFiles`): after the file's tests, every answer
 * they produced and every line the Worker logged is searched for the secrets and personal data
 * that must never leave it. The one answer allowed to hold a key or a customer token is the
 * one that created it. After each test, an error or warning line the test did not claim with
 * `expectLogged` (logs.ts) fails it: nothing failure-looking goes by unread.
 */
beforeEach(() => {
  resetUnclaimed();
});

afterEach(() => {
  expect(unclaimedLines(), "error or warning lines this test logged without expectLogged()").toEqual([]);
});

export interface RecordedAnswer {
  url: string;
  status: number;
  headers: [string, string][];
  body: string;
}

/**
 * Every place a secret shows up in `answers` or `lines`. A key may appear in exactly one
 * answer: the 201 of POST /admin/keys whose `key` field it is; a customer token likewise in
 * the 201 of POST /v1/customer-tokens whose `token` field it is.
 */
export function findLeaks(answers: RecordedAnswer[], lines: string[], secrets: string[]): string[] {
  const leaks: string[] = [];
  for (const answer of answers) {
    const text = `${answer.headers.map(([name, value]) => `${name}: ${value}`).join("\n")}\n${answer.body}`;
    const created = answer.status === 201 ? createdSecret(answer) : undefined;
    for (const secret of secrets) {
      if (!text.includes(secret)) continue;
      const onlyAsItsOwnKey = secret === created && text.split(secret).length === 2;
      if (!onlyAsItsOwnKey) leaks.push(`${answer.url} (${answer.status}) contains a secret`);
    }
  }
  for (const line of lines) {
    for (const secret of secrets)
      if (line.includes(secret)) leaks.push(`log line contains a secret: ${line.slice(0, 80)}`);
  }
  return leaks;
}

/** The secret a creating answer hands out: a new key's `key`, a new token's `token`. */
function createdSecret(answer: RecordedAnswer): string | undefined {
  const field = { "/admin/keys": "key", "/v1/customer-tokens": "token" }[answer.url];
  if (!field) return undefined;
  try {
    const value = (JSON.parse(answer.body) as Record<string, unknown>)[field];
    return typeof value === "string" ? value : undefined;
  } catch {
    return undefined;
  }
}

afterAll(() => {
  const secrets = [
    TEST_FRONTPAYMENT_TOKEN,
    TEST_ADMIN_TOKEN,
    TEST_PERSONAL_NUMBER,
    ...PERSONAL_NUMBERS,
    TEST_TOKEN_SIGNING_SECRET,
    ...createdKeys.map(({ key }) => key),
    ...createdTokens,
  ];
  const leaks = findLeaks(answers, logLines, secrets);
  // Files share one isolate: the next file's scan reads only its own answers and lines.
  answers.length = 0;
  clearLogLines();
  expect(leaks).toEqual([]);
});
