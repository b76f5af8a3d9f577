// How a workbook names scheme things: entities and indicators by id or by their Chinese name (as displayName
// shows it), compared without white space and width differences; and the header of an entity-name column.
import { displayName, type LocalisedName } from '../../domain/scheme.ts';
import { normaliseText } from './cells.ts';

/** Headers of a wide sheet's column repeating the entity's name beside its id (the template writes one). */
export const NAME_HEADERS = ['name', '名称', '单位名称', '名称 name'];

export type Found<T> = { item: T } | { message: string; ambiguous?: true };

/** A name as compared: without any white space, so a header wrapped inside a Chinese name (办结\n率) still reads. */
export const nameKey = (text: string) => normaliseText(text).replace(/\s/g, '');

/** Finds a scheme item by id, or by its Chinese name (as displayName shows it) when that names only one. */
export function lookup<T extends { id: string; name: LocalisedName }>(
  items: readonly T[],
  what: string,
): (text: string) => Found<T> {
  const byId = new Map(items.map((i) => [i.id, i]));
  const byName = new Map<string, T[]>();
  for (const i of items) {
    const name = nameKey(displayName(i.name, 'zh'));
    if (name) byName.set(name, [...(byName.get(name) ?? []), i]);
  }
  return (text) => {
    const hit = byId.get(text);
    if (hit) return { item: hit };
    const named = byName.get(nameKey(text)) ?? [];
    if (named.length === 1) return { item: named[0]! };
    if (named.length > 1)
      return {
        message: `"${text}" names more than one ${what} (${named.map((i) => i.id).join(', ')}): use the id`,
        ambiguous: true,
      };
    return { message: `unknown ${what} "${text}"` };
  };
}
