/**
 * Freezes `value` and everything it holds, so an object several requests share (a cached
 * profile, its rendered view, a coalesced upstream answer) cannot be changed by one of them
 * for the others. Called once, where such an object is made; an object already frozen is
 * taken as frozen through, which holds because only this function freezes our profiles.
 */
export function deepFreeze<T>(value: T): T {
  if (typeof value !== "object" || value === null || Object.isFrozen(value)) return value;
  Object.freeze(value);
  for (const child of Object.values(value)) deepFreeze(child);
  return value;
}
