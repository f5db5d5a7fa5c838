/** JSON with object keys sorted, so two equal values compare equal as strings (compareAndSet). */
/**
 * How compareAndSet compares values: JSON with object keys sorted, so the stored value and `expected` match
 * whatever order their keys were written in; '' (no JSON text) for absent.
 */
export function canonicalJson(value: unknown): string {
  const text = JSON.stringify(value);
  return text === undefined ? '' : JSON.stringify(sortKeys(JSON.parse(text)));
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v === null || typeof v !== 'object') return v;
  return Object.fromEntries(
    Object.keys(v)
      .sort()
      .map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]),
  );
}
