import { z } from "zod/mini";
import { SCOPES } from "./key-record.ts";

/** `https://shop.example` exactly: scheme, host, optional port; no path, no trailing slash. */
const Origin = z.string().check(
  z.refine((value) => {
    try {
      return new URL(value).origin === value;
    } catch {
      return false;
    }
  }, "must be an origin such as https://shop.example (no path or trailing slash)"),
);

export const CreateKeyBody = z.strictObject({
  name: z.string().check(z.trim(), z.minLength(1), z.maxLength(100)),
  scopes: z.optional(z.array(z.enum(SCOPES)).check(z.maxLength(SCOPES.length))),
  allowedOrigins: z.optional(z.array(Origin).check(z.minLength(1), z.maxLength(50))),
  expiresAt: z.optional(
    z.iso.datetime({ offset: true }).check(z.refine((value) => Date.parse(value) > Date.now(), "must be in the future")),
  ),
});
export type CreateKeyBody = z.infer<typeof CreateKeyBody>;

export const KeyView = z
  .object({
    id: z.string(),
    name: z.string(),
    scopes: z.array(z.enum(SCOPES)),
    allowedOrigins: z.nullable(z.array(z.string())),
    createdAt: z.string(),
    expiresAt: z.nullable(z.string()),
    revokedAt: z.nullable(z.string()),
    status: z.enum(["active", "revoked", "expired"]),
  })
  .register(z.globalRegistry, { id: "ApiKey" });

export const CreatedKey = z.object({
  id: z.string(),
  key: z.string(),
  name: z.string(),
  scopes: z.array(z.enum(SCOPES)),
  allowedOrigins: z.nullable(z.array(z.string())),
  createdAt: z.string(),
  expiresAt: z.nullable(z.string()),
});

export const KeyIdParam = z.object({ id: z.string() });
