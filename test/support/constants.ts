/** Throwaway secrets for tests only; the leak scan looks for them in every answer. */
export const TEST_FRONTPAYMENT_TOKEN = "test-frontpayment-token-5f2a9c";
export const TEST_ADMIN_TOKEN = "test-admin-token-81d4e7";
/** At least 32 bytes, as the Worker requires of a real one. */
export const TEST_TOKEN_SIGNING_SECRET = "test-token-signing-secret-7c1e0b94a2d85f36";
/** Keys the tag inside every API key; at least 32 bytes, like the signing secret. */
export const TEST_API_KEY_TAG_SECRET = "test-api-key-tag-secret-3f9a61d0c8b27e45";
