/**
 * A Frontpayment customer uuid as this service accepts it, wherever it comes from (a path, a
 * token request's body, a token's claim): letters and digits only, 1 to 64. Nothing else ever
 * reaches an upstream URL or a cache key.
 */
export const CUSTOMER_UUID_PATTERN = /^[A-Za-z0-9]{1,64}$/;
