import { createHash, createHmac, KeyObject, sign, timingSafeEqual, verify, type webcrypto } from "node:crypto";

/*
 * Node runs WebCrypto's digest, sign and verify as jobs on its libuv thread pool: every call
 * hops to another thread and back, so a request that hashes its API key spends most of its
 * wall time waiting (the profile shows it as "(idle)"). workerd computes them on the
 * isolate's own thread and hands back a settled promise. The benchmark makes Node do the
 * same, with node:crypto's synchronous functions, so the time measured is CPU, as on
 * Cloudflare. Algorithms not listed fall through to Node's own implementation.
 */

type Algorithm = webcrypto.AlgorithmIdentifier | { name: string; hash?: webcrypto.AlgorithmIdentifier };
type Source = webcrypto.BufferSource;
type Key = webcrypto.CryptoKey;

const HASHES: Record<string, string> = {
  "SHA-1": "sha1",
  "SHA-256": "sha256",
  "SHA-384": "sha384",
  "SHA-512": "sha512",
};

const nameOf = (algorithm: Algorithm | undefined) =>
  (typeof algorithm === "string" ? algorithm : algorithm?.name)?.toUpperCase() ?? "";

function bytes(source: Source): Uint8Array {
  return ArrayBuffer.isView(source)
    ? new Uint8Array(source.buffer, source.byteOffset, source.byteLength)
    : new Uint8Array(source);
}

const settled = (buffer: Buffer) =>
  Promise.resolve(buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.byteLength));

/** The node:crypto hash of a signature: null for Ed25519 (none), undefined when not handled here. */
function hashFor(algorithm: Algorithm, key: Key): string | null | undefined {
  const name = nameOf(algorithm);
  if (name === "ED25519") return null;
  if (name === "ECDSA") return HASHES[nameOf((algorithm as { hash?: Algorithm }).hash)];
  if (name === "HMAC" || name === "RSASSA-PKCS1-V1_5")
    return HASHES[nameOf((key.algorithm as { hash?: Algorithm }).hash)];
  return undefined;
}

type Subtle = Record<"digest" | "sign" | "verify", (...args: never[]) => Promise<unknown>>;

export function synchronousWebCrypto(): void {
  const subtle = crypto.subtle as unknown as Subtle;
  const original = { digest: subtle.digest, sign: subtle.sign, verify: subtle.verify } as unknown as Record<
    string,
    (...args: unknown[]) => Promise<unknown>
  >;
  const fallBack = (name: string, args: unknown[]) => original[name]!.apply(subtle, args);

  subtle.digest = ((algorithm: Algorithm, data: Source) => {
    const hash = HASHES[nameOf(algorithm)];
    if (!hash) return fallBack("digest", [algorithm, data]);
    return settled(createHash(hash).update(bytes(data)).digest());
  }) as Subtle["digest"];

  subtle.sign = ((algorithm: Algorithm, key: Key, data: Source) => {
    const hash = hashFor(algorithm, key);
    if (hash === undefined) return fallBack("sign", [algorithm, key, data]);
    const keyObject = KeyObject.from(key);
    if (nameOf(algorithm) === "HMAC") return settled(createHmac(hash!, keyObject).update(bytes(data)).digest());
    return settled(sign(hash, bytes(data), { key: keyObject, dsaEncoding: "ieee-p1363" }));
  }) as Subtle["sign"];

  subtle.verify = ((algorithm: Algorithm, key: Key, signature: Source, data: Source) => {
    const hash = hashFor(algorithm, key);
    if (hash === undefined) return fallBack("verify", [algorithm, key, signature, data]);
    const keyObject = KeyObject.from(key);
    const given = bytes(signature);
    if (nameOf(algorithm) === "HMAC") {
      const expected = createHmac(hash!, keyObject).update(bytes(data)).digest();
      return Promise.resolve(given.byteLength === expected.byteLength && expected.equals(given));
    }
    return Promise.resolve(verify(hash, bytes(data), { key: keyObject, dsaEncoding: "ieee-p1363" }, given));
  }) as Subtle["verify"];
}

/**
 * workerd's `crypto.subtle.timingSafeEqual` (a Workers extension, used by the admin token
 * check) is missing in Node 22; the benchmark adds it if needed, with Node's own.
 */
export function polyfillTimingSafeEqual(): void {
  type Source = webcrypto.BufferSource;
  const subtle = crypto.subtle as unknown as { timingSafeEqual?: (a: Source, b: Source) => boolean };
  if (subtle.timingSafeEqual) return;
  const bytes = (source: Source) =>
    ArrayBuffer.isView(source)
      ? new Uint8Array(source.buffer, source.byteOffset, source.byteLength)
      : new Uint8Array(source);
  subtle.timingSafeEqual = (a: Source, b: Source) => {
    const x = bytes(a);
    const y = bytes(b);
    if (x.byteLength !== y.byteLength) throw new TypeError("timingSafeEqual: inputs differ in length");
    return timingSafeEqual(x, y);
  };
}
