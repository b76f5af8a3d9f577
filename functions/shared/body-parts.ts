// A snapshot body's two stored parts (the inputs; everything else), each canonical JSON text, and how the
// whole canonical body is assembled from them for the chain hash without canonicalising it again.
import { canonicalJson } from '../../domain/chain.ts';

/** `"key":canonical(value)` per member, ordered by key as RFC 8785 orders them (UTF-16 code units). */
export function canonicalMembers(value: Record<string, unknown>): { key: string; text: string }[] {
  return Object.keys(value)
    .filter((key) => value[key] !== undefined)
    .sort()
    .map((key) => ({ key, text: `${JSON.stringify(key)}:${canonicalJson(value[key])}` }));
}

/**
 * The canonical body from its stored parts, for verification. The parts were stored as canonical text, so
 * the inputs are spliced in after the members whose keys sort before theirs; a rest part that does not
 * begin as canonical text is canonicalised in full instead. Either way the chain hash decides.
 */
export function joinBody(inputsText: string, restText: string): string {
  const rest = JSON.parse(restText) as Record<string, unknown>;
  const before = canonicalMembers(rest).filter((m) => m.key < 'inputs');
  const prefix = `{${before.map((m) => m.text).join(',')},`;
  if (before.length > 0 && restText.startsWith(prefix))
    return `${prefix}"inputs":${inputsText},${restText.slice(prefix.length)}`;
  return canonicalJson({ ...rest, inputs: JSON.parse(inputsText) });
}
