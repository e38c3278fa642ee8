/** Size caps on what the application hands the registry (metadata, user ids). */
export const LIMITS = Object.freeze({
  /** Metadata keys kept per session; further keys are dropped. */
  metadataKeys: 20,
  /** Characters of a metadata key; longer keys are dropped. */
  metadataKeyLength: 64,
  /** Characters of a metadata value, `userID`, `userUUID` or `pageTitle`; longer ones are cut. */
  valueLength: 256,
});

// Keys that would reach Object.prototype through a naive copy or lookup.
const POLLUTING = new Set(['__proto__', 'constructor', 'prototype']);

/** Cuts a string to the value cap. `null` for anything that is not a non-empty string. */
export function capValue(value: unknown, onCapped: () => void): string | null {
  if (typeof value === 'number' || typeof value === 'boolean') value = String(value);
  if (typeof value !== 'string' || value === '') return null;
  if (value.length <= LIMITS.valueLength) return value;
  onCapped();
  return value.slice(0, LIMITS.valueLength);
}

/**
 * Copies metadata onto a null-prototype object: string-like values only, polluting and
 * oversized keys refused, values cut to the cap, at most {@link LIMITS.metadataKeys} keys.
 */
export function sanitizeMetadata(input: unknown, onCapped: () => void): Record<string, string> {
  const out = Object.create(null) as Record<string, string>;
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return out;
  let kept = 0;
  for (const key of Object.keys(input)) {
    if (POLLUTING.has(key) || key === '' || key.length > LIMITS.metadataKeyLength) {
      onCapped();
      continue;
    }
    if (kept === LIMITS.metadataKeys) {
      onCapped();
      break;
    }
    const value = capValue((input as Record<string, unknown>)[key], onCapped);
    if (value === null) continue;
    out[key] = value;
    kept++;
  }
  return out;
}
