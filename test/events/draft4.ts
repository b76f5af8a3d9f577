/**
 * A small JSON Schema Draft 4 validator for the tests (no validator package is installed). It knows
 * every Draft 4 validation keyword and refuses schemas using anything else, so a keyword it does
 * not check can never pass silently.
 */
type Schema = { [keyword: string]: unknown };

const ANNOTATIONS = new Set(['$schema', 'id', 'title', 'description', 'default', 'definitions']);

const isObject = (v: unknown): v is Schema => v !== null && typeof v === 'object' && !Array.isArray(v);

function typeMatches(type: string, value: unknown): boolean {
  switch (type) {
    case 'null':
      return value === null;
    case 'boolean':
      return typeof value === 'boolean';
    case 'string':
      return typeof value === 'string';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value);
    case 'array':
      return Array.isArray(value);
    case 'object':
      return isObject(value);
    default:
      throw new Error(`unknown type ${type}`);
  }
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (isObject(a) && isObject(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((k) => k in b && deepEqual(a[k], b[k]));
  }
  return false;
}

/** RFC 3339 date-time, which is what Draft 4's `date-time` format means. */
const DATE_TIME = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})$/;

function formatMatches(format: string, value: string): boolean {
  switch (format) {
    case 'date-time':
      return DATE_TIME.test(value) && !Number.isNaN(Date.parse(value));
    case 'uri':
      return /^[A-Za-z][A-Za-z0-9+.-]*:/.test(value);
    default:
      throw new Error(`format ${format} is not checked by this validator`);
  }
}

/** Every way `instance` fails `schema` (a Draft 4 document); empty when it validates. */
export function validateDraft4(schema: Schema, instance: unknown): string[] {
  return run(schema, schema, instance);
}

function run(root: Schema, start: Schema, instance: unknown): string[] {
  const errors: string[] = [];
  const resolve = (ref: string): Schema => {
    const target = ref
      .replace(/^#\//, '')
      .split('/')
      .reduce<unknown>((at, key) => (isObject(at) ? at[key] : undefined), root);
    if (!isObject(target)) throw new Error(`cannot resolve ${ref}`);
    return target;
  };
  const check = (schema: Schema, value: unknown, at: string): void => {
    if (typeof schema.$ref === 'string') {
      check(resolve(schema.$ref), value, at);
      return;
    }
    const fail = (why: string) => errors.push(`${at || '(root)'} ${why}`);
    for (const [keyword, arg] of Object.entries(schema)) {
      if (ANNOTATIONS.has(keyword)) continue;
      switch (keyword) {
        case 'type': {
          const types = Array.isArray(arg) ? (arg as string[]) : [arg as string];
          if (!types.some((t) => typeMatches(t, value))) fail(`should be ${types.join(' or ')}`);
          break;
        }
        case 'enum':
          if (!(arg as unknown[]).some((v) => deepEqual(v, value)))
            fail(`should be one of ${JSON.stringify(arg)}`);
          break;
        case 'minLength':
        case 'maxLength':
          if (typeof value === 'string') {
            const length = [...value].length;
            if (keyword === 'minLength' ? length < (arg as number) : length > (arg as number))
              fail(`${keyword} ${arg}`);
          }
          break;
        case 'pattern':
          if (typeof value === 'string' && !new RegExp(arg as string, 'u').test(value))
            fail(`should match ${arg}`);
          break;
        case 'format':
          if (typeof value === 'string' && !formatMatches(arg as string, value)) fail(`should be a ${arg}`);
          break;
        case 'minimum':
        case 'maximum':
          if (typeof value === 'number') {
            const exclusive =
              schema[keyword === 'minimum' ? 'exclusiveMinimum' : 'exclusiveMaximum'] === true;
            const bound = arg as number;
            const ok =
              keyword === 'minimum'
                ? exclusive
                  ? value > bound
                  : value >= bound
                : exclusive
                  ? value < bound
                  : value <= bound;
            if (!ok) fail(`should be ${keyword === 'minimum' ? '>' : '<'}${exclusive ? '' : '='} ${bound}`);
          }
          break;
        case 'exclusiveMinimum':
        case 'exclusiveMaximum':
          if (typeof arg !== 'boolean') throw new Error(`${keyword} must be boolean in Draft 4`);
          break;
        case 'multipleOf':
          if (typeof value === 'number' && !Number.isInteger(value / (arg as number)))
            fail(`should be a multiple of ${arg}`);
          break;
        case 'minItems':
        case 'maxItems':
          if (
            Array.isArray(value) &&
            (keyword === 'minItems' ? value.length < (arg as number) : value.length > (arg as number))
          ) {
            fail(`${keyword} ${arg}`);
          }
          break;
        case 'uniqueItems':
          if (
            arg === true &&
            Array.isArray(value) &&
            value.some((v, i) => value.slice(0, i).some((w) => deepEqual(v, w)))
          ) {
            fail('should have unique items');
          }
          break;
        case 'items':
          if (Array.isArray(value)) {
            for (const [i, v] of value.entries()) {
              const sub = Array.isArray(arg) ? (arg[i] as Schema | undefined) : (arg as Schema);
              if (sub !== undefined) check(sub, v, `${at}[${i}]`);
            }
          }
          break;
        case 'additionalItems':
          if (Array.isArray(value) && Array.isArray(schema.items)) {
            const rest = value.slice(schema.items.length);
            if (arg === false && rest.length > 0) fail('has additional items');
            if (isObject(arg)) {
              for (const [i, v] of rest.entries()) check(arg, v, `${at}[${i + schema.items.length}]`);
            }
          }
          break;
        case 'required':
          if (isObject(value))
            for (const name of arg as string[]) if (!(name in value)) fail(`should have "${name}"`);
          break;
        case 'minProperties':
        case 'maxProperties':
          if (isObject(value)) {
            const n = Object.keys(value).length;
            if (keyword === 'minProperties' ? n < (arg as number) : n > (arg as number))
              fail(`${keyword} ${arg}`);
          }
          break;
        case 'properties':
          if (isObject(value)) {
            for (const [name, sub] of Object.entries(arg as Schema)) {
              if (name in value) check(sub as Schema, value[name], at ? `${at}.${name}` : name);
            }
          }
          break;
        case 'patternProperties':
          if (isObject(value)) {
            for (const [pattern, sub] of Object.entries(arg as Schema)) {
              for (const name of Object.keys(value)) {
                if (new RegExp(pattern, 'u').test(name))
                  check(sub as Schema, value[name], at ? `${at}.${name}` : name);
              }
            }
          }
          break;
        case 'additionalProperties':
          if (isObject(value)) {
            const known = Object.keys(isObject(schema.properties) ? schema.properties : {});
            const patterns = Object.keys(isObject(schema.patternProperties) ? schema.patternProperties : {});
            for (const name of Object.keys(value)) {
              if (known.includes(name) || patterns.some((p) => new RegExp(p, 'u').test(name))) continue;
              if (arg === false) fail(`should not have "${name}"`);
              else if (isObject(arg)) check(arg, value[name], at ? `${at}.${name}` : name);
            }
          }
          break;
        case 'dependencies':
          if (isObject(value)) {
            for (const [name, dep] of Object.entries(arg as Schema)) {
              if (!(name in value)) continue;
              if (Array.isArray(dep)) {
                for (const other of dep) if (!(other in value)) fail(`"${name}" needs "${other}"`);
              } else check(dep as Schema, value, at);
            }
          }
          break;
        case 'allOf':
          for (const sub of arg as Schema[]) check(sub, value, at);
          break;
        case 'anyOf':
        case 'oneOf': {
          const passing = (arg as Schema[]).filter((sub) => run(root, sub, value).length === 0).length;
          if (keyword === 'anyOf' ? passing === 0 : passing !== 1)
            fail(`should match ${keyword === 'anyOf' ? 'some' : 'exactly one'} branch`);
          break;
        }
        case 'not':
          if (run(root, arg as Schema, value).length === 0) fail('should not match the `not` schema');
          break;
        default:
          throw new Error(`keyword ${keyword} is not Draft 4 (or not checked by this validator)`);
      }
    }
  };
  check(start, instance, '');
  return errors;
}
