import * as z from "zod/mini";
import { SCOPES } from "../lib/scopes.ts";

/** What `API_KEYS` holds under the key's hash. Never the key itself. */
export const ApiKeyRecordSchema = z.object({
  id: z.string(),
  name: z.string(),
  scopes: z.array(z.enum(SCOPES)),
  allowedOrigins: z.nullable(z.array(z.string())),
  createdAt: z.string(),
  expiresAt: z.nullable(z.string()),
  revokedAt: z.nullable(z.string()),
});
export type ApiKeyRecord = z.infer<typeof ApiKeyRecordSchema>;

export function isExpired(record: ApiKeyRecord, now = Date.now()): boolean {
  return record.expiresAt !== null && Date.parse(record.expiresAt) <= now;
}

export function isUsable(record: ApiKeyRecord, now = Date.now()): boolean {
  return record.revokedAt === null && !isExpired(record, now);
}

/** One key as `GET /admin/keys` lists it: never the key or its hash. */
export type KeyView = ApiKeyRecord & { status: "active" | "revoked" | "expired" };

/** The 201 of `POST /admin/keys`: the only answer that ever holds the key itself. */
export type CreatedKey = Omit<ApiKeyRecord, "revokedAt"> & { key: string };
