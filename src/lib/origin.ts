/**
 * Whether `value` is exactly a web origin as a browser sends it: `http(s)://host[:port]`, no
 * path, no trailing slash, lowercase host (`https://shop.example`).
 */
export function isWebOrigin(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === "https:" || url.protocol === "http:") && url.origin === value;
  } catch {
    return false;
  }
}
