import * as z from "zod/mini";
import { isWebOrigin } from "../lib/origin.ts";
import { isReadScope, SCOPES } from "../lib/scopes.ts";
import { KEY_ID_PATTERN } from "./key-format.ts";

/*
 * zod/mini ships no locale, so every default message is "Invalid input". Each field names its
 * own problem instead: the admin's 400 must say what to fix (docs/api.md#admin-api).
 */

/** `https://shop.example` exactly: http(s) only, host, optional port; no path, no trailing slash. */
const Origin = z
  .string("must be a string")
  .check(
    z.refine(isWebOrigin, "must be an origin such as https://shop.example (http or https; no path or trailing slash)"),
  );

/**
 * Unicode control and format characters (categories Cc and Cf): escape sequences, line breaks,
 * NUL, bidi overrides. A name is printed to operators' terminals; none of these belongs there.
 */
const CONTROL_OR_FORMAT = /[\p{Cc}\p{Cf}]/u;

export const CreateKeyBody = z.strictObject(
  {
    name: z.string({ error: (issue) => (issue.input === undefined ? "is required" : "must be a string") }).check(
      // Before trimming, so a trailing line break is refused rather than silently cut.
      z.refine(
        (value) => !CONTROL_OR_FORMAT.test(value),
        "must not contain control or format characters (escape sequences, line breaks, NUL, bidi overrides)",
      ),
      z.trim(),
      z.minLength(1, "must not be empty"),
      z.maxLength(100, "must be at most 100 characters"),
    ),
    scopes: z.optional(
      z.array(z.enum(SCOPES, `must be one of ${SCOPES.join(", ")}`), "must be an array of scopes").check(
        z.refine((scopes) => new Set(scopes).size === scopes.length, "must not repeat a scope"),
        // A token never carries more than its issuing key may read, so an issuing key must read.
        z.refine(
          (scopes) => !scopes.includes("tokens:issue") || scopes.some(isReadScope),
          "tokens:issue needs a read scope too (customers:read or addresses:read): a key issues only what it may read",
        ),
      ),
    ),
    allowedOrigins: z.optional(
      z
        .array(Origin, "must be an array of origins")
        .check(
          z.minLength(1, "must list at least one origin, or be left out"),
          z.maxLength(50, "must list at most 50 origins"),
        ),
    ),
    expiresAt: z.optional(
      z.iso
        .datetime({
          offset: true,
          error: "must be an ISO-8601 date-time with a time zone, such as 2030-01-01T00:00:00Z",
        })
        .check(z.refine((value) => Date.parse(value) > Date.now(), "must be in the future")),
    ),
  },
  {
    // Field names are cut short: they come from the caller and are echoed in the answer.
    error: (issue) =>
      issue.code === "unrecognized_keys"
        ? `unknown field ${issue.keys.map((key) => JSON.stringify(key.slice(0, 40))).join(", ")}`
        : "the body must be a JSON object",
  },
);
export type CreateKeyBody = z.infer<typeof CreateKeyBody>;

// Checked before any KV read: KV refuses keys over 512 bytes, which would otherwise be a 500.
export const KeyIdParam = z.object({ id: z.string().check(z.regex(KEY_ID_PATTERN, "no API key has this id")) });
