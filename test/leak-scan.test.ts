import { describe, expect, it } from "vitest";
import { findLeaks, type RecordedAnswer } from "./helpers/leak-scan.ts";
import { expectLogged, logLines, unclaimedLines } from "./helpers/logs.ts";

const answer = (url: string, status: number, body: string, headers: [string, string][] = []): RecordedAnswer => ({
  url,
  status,
  headers,
  body,
});

// The scan that runs after every test file must itself be able to fail.
describe("the leak scan", () => {
  const key = "cedge_0123456789abcdefghijklmnopqrstuvwxyzAB";

  it("finds a secret in a body, in a header and in a log line", () => {
    const leaks = findLeaks(
      [answer("/v1/customers/X", 200, `{"note":"01017012345"}`), answer("/healthz", 200, "{}", [["x-debug", "tok-1"]])],
      ['{"message":"oops tok-1"}'],
      ["01017012345", "tok-1"],
    );
    expect(leaks).toHaveLength(3);
  });

  it("allows a key only in the answer that created it, once", () => {
    const created = answer("/admin/keys", 201, JSON.stringify({ id: "key_1", key }));
    expect(findLeaks([created], [], [key])).toEqual([]);
    const echoedTwice = answer("/admin/keys", 201, JSON.stringify({ id: "key_1", key, name: key }));
    expect(findLeaks([echoedTwice], [], [key])).toHaveLength(1);
    const otherKey = answer("/admin/keys", 201, JSON.stringify({ id: "key_2", key: "cedge_other", leaked: key }));
    expect(findLeaks([otherKey], [], [key])).toHaveLength(1);
    expect(findLeaks([answer("/admin/keys", 200, JSON.stringify({ keys: [key] }))], [], [key])).toHaveLength(1);
  });

  it("allows a customer token only in the answer that issued it, once", () => {
    const token = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJYIn0.c2ln";
    const issued = answer("/v1/customer-tokens", 201, JSON.stringify({ token, tokenType: "Bearer" }));
    expect(findLeaks([issued], [], [token])).toEqual([]);
    expect(findLeaks([answer("/v1/me", 401, JSON.stringify({ detail: token }))], [], [token])).toHaveLength(1);
    expect(findLeaks([], [`{"route":"/v1/me","authorization":"Bearer ${token}"}`], [token])).toHaveLength(1);
  });
});

// The check after every test (an error line nobody claimed fails it) must itself see lines.
describe("captured log lines", () => {
  it("holds an error line for the test to claim, and expectLogged refuses a line never logged", () => {
    const line = JSON.stringify({ level: "error", message: "probe from the log capture test" });
    console.error(line);
    console.log(JSON.stringify({ level: "warn", message: "probe warning" }));
    console.log(JSON.stringify({ level: "info", message: "probe info" }));
    expect(unclaimedLines()).toEqual([line, '{"level":"warn","message":"probe warning"}']);
    expect(logLines).toContain('{"level":"info","message":"probe info"}');
    expect(expectLogged("probe from the log capture test")).toEqual([line]);
    expectLogged("probe warning");
    expect(unclaimedLines()).toEqual([]);
    expect(() => expectLogged("a line nobody logged")).toThrow();
  });
});
