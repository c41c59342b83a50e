/** Throwaway secrets for tests only; the leak scan looks for them in every answer. */
export const TEST_FRONTPAYMENT_TOKEN = "test-frontpayment-token-5f2a9c";
export const TEST_ADMIN_TOKEN = "test-admin-token-81d4e7";
