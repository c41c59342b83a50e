import type { StandardSchemaV1 } from "@standard-schema/spec";
import { ApiError, type ErrorCode } from "./errors.ts";

/**
 * The one hook every validator uses: a failed validation becomes our problem+json,
 * naming each problem by its path and zod's message (which never repeats the input value).
 *
 * @example
 * sValidator("json", CreateKeyBody, problemHook("invalid_request"))
 */
export function problemHook(code: ErrorCode) {
  return (result: { success: true } | { success: false; error: readonly StandardSchemaV1.Issue[] }) => {
    if (!result.success) throw new ApiError(code, describeIssues(result.error));
  };
}

export function describeIssues(issues: readonly StandardSchemaV1.Issue[]): string {
  return issues
    .slice(0, 5)
    .map((issue) => {
      const path = (issue.path ?? []).map((part) => String(typeof part === "object" ? part.key : part)).join(".");
      return path ? `${path}: ${issue.message}` : issue.message;
    })
    .join("; ");
}
