/**
 * A response body as text, or `undefined` (the rest left unread) once it passes `maxBytes`:
 * an answer far bigger than expected (a proxy's error page, a runaway body) is refused unread
 * rather than parsed against the CPU limit. A response with no body is "".
 */
export async function readCapped(response: Response, maxBytes: number): Promise<string | undefined> {
  if (!response.body) return "";
  if (Number(response.headers.get("content-length")) > maxBytes) {
    await response.body.cancel();
    return undefined;
  }
  let text = "";
  let size = 0;
  const decoder = new TextDecoder();
  const reader = response.body.getReader();
  for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
    size += chunk.value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      return undefined;
    }
    text += decoder.decode(chunk.value, { stream: true });
  }
  return text + decoder.decode();
}
