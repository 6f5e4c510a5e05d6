/**
 * Sets an own property, as JSON.parse does: a plain assignment of `__proto__` would replace the
 * prototype instead (and lose the member), and `__proto__` is a legal key in CloudTrail's free-form
 * members (a tag key, for instance).
 */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
  } else {
    target[key] = value;
  }
}
