// YAML parsing for scheme files, behind a module of our own: a bundle that validates stored (JSON) schemes
// but never loads a YAML file leaves this module, and with it the yaml package, out (package.json
// sideEffects:false); imported from scheme.ts directly, yaml's ~110 KB would stay in every such bundle.
import { isMap, isScalar, isSeq, parseDocument } from 'yaml';

export { parse as parseYaml } from 'yaml';

/**
 * The path of every key that repeats an earlier one of the same mapping, in JSON (or YAML) text: JSON.parse
 * keeps the last of two silently. JSON is YAML, so yaml's parser reads it, told to keep the repeats.
 */
export function duplicateKeys(text: string): (string | number)[][] {
  const doc = parseDocument(text, { uniqueKeys: false });
  const out: (string | number)[][] = [];
  // A stack, not recursion: the nesting depth is the file's to choose.
  const todo: [unknown, (string | number)[]][] = [[doc.contents, []]];
  for (let next = todo.pop(); next; next = todo.pop()) {
    const [node, path] = next;
    const children: [unknown, (string | number)[]][] = [];
    if (isMap(node)) {
      const seen = new Set<string>();
      for (const pair of node.items) {
        const key = String(isScalar(pair.key) ? pair.key.value : pair.key);
        if (seen.has(key)) out.push([...path, key]);
        seen.add(key);
        children.push([pair.value, [...path, key]]);
      }
    } else if (isSeq(node))
      node.items.forEach((item, i) => {
        children.push([item, [...path, i]]);
      });
    // Reversed onto the stack, so that repeats come out in the order the file has them.
    for (let i = children.length - 1; i >= 0; i--) todo.push(children[i]!);
  }
  return out;
}
