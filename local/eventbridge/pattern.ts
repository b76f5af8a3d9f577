// EventBridge event patterns for the local bus and TestEventPattern: AWS's validation messages and matching rules.

/**
 * A pattern EventBridge would refuse (PutRule, TestEventPattern). `name` is the AWS error code so an HTTP
 * edge can return it unchanged; `message` is exactly what AWS says.
 */
export class InvalidEventPatternError extends Error {
  override readonly name = 'InvalidEventPatternException';
  readonly reason: string;

  constructor(reason: string) {
    super(`Event pattern is not valid. Reason: ${reason}`);
    this.reason = reason;
  }
}

/** An event TestEventPattern refuses: not JSON, or not a JSON object. AWS answers ValidationException. */
export class InvalidEventError extends Error {
  override readonly name = 'ValidationException';

  constructor() {
    super('Parameter Event is not valid.');
  }
}

type Leaf = string | number | boolean | null;
type ValueTest = (value: Leaf) => boolean;

/** One field of a conjunction: some leaf at `path` passes one of `tests`, or (exists:false) the path has no leaf. */
interface FieldCondition {
  readonly path: string;
  readonly tests: readonly ValueTest[];
  readonly matchesAbsence: boolean;
}

type Conjunction = readonly FieldCondition[];

export interface CompiledPattern {
  /** The pattern in disjunctive normal form: `$or` expanded, so the pattern matches if any conjunction does. */
  readonly conjunctions: readonly Conjunction[];
  /** Every dot-joined path prefix the pattern can look at; the rest of an event is never flattened. */
  readonly prefixes: ReadonlySet<string>;
}

// Field names that make an object a match expression rather than a sub-pattern (they keep `$or` literal).
const OPERATORS = new Set([
  'prefix',
  'suffix',
  'equals-ignore-case',
  'wildcard',
  'anything-but',
  'numeric',
  'cidr',
  'exists',
]);

// Calibrated, not documented: AWS accepts the recorded patterns scoring up to 9 on the measure in
// `wildcardComplexity` and rejects those scoring 11 and more.
const MAX_WILDCARD_COMPLEXITY = 10;

// The local engine's own guard, not an AWS rule: nested `$or` multiplies out, and AWS's 2048-character
// pattern limit alone would still allow billions of combinations.
const MAX_CONJUNCTIONS = 4096;

function fail(reason: string): never {
  throw new InvalidEventPatternError(reason);
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const isNumber = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);

// `undefined` is the event's root, so that an empty field name still adds a dot.
const joinPath = (base: string | undefined, key: string): string =>
  base === undefined ? key : `${base}.${key}`;

export function compileEventPattern(pattern: string | object): CompiledPattern {
  let parsed: unknown = pattern;
  if (typeof pattern === 'string') {
    try {
      parsed = JSON.parse(pattern);
    } catch (error) {
      fail((error as Error).message);
    }
  }
  if (!isObject(parsed)) fail('Filter is not an object');
  const wildcards = new Map<string, WildcardToken[][]>();
  const conjunctions = compileObject(parsed, undefined, wildcards);
  for (const patterns of wildcards.values()) {
    if (wildcardComplexity(patterns) > MAX_WILDCARD_COMPLEXITY) {
      fail(
        'Rule is too complex - try using fewer wildcard characters or fewer repeating character sequences after a wildcard character',
      );
    }
  }
  const prefixes = new Set<string>();
  for (const conjunction of conjunctions) {
    for (const { path } of conjunction) {
      for (let dot = path.indexOf('.'); dot !== -1; dot = path.indexOf('.', dot + 1)) {
        prefixes.add(path.slice(0, dot));
      }
      prefixes.add(path);
    }
  }
  return { conjunctions, prefixes };
}

export function matchesEventPattern(compiled: CompiledPattern, event: object): boolean {
  if (!isObject(event)) return false;
  const leaves = flattenEvent(event, compiled.prefixes);
  return compiled.conjunctions.some((conjunction) => matchesConjunction(conjunction, leaves));
}

export function testEventPattern(patternJson: string, eventJson: string): boolean {
  const compiled = compileEventPattern(patternJson);
  let event: unknown;
  try {
    event = JSON.parse(eventJson);
  } catch {
    throw new InvalidEventError();
  }
  if (!isObject(event)) throw new InvalidEventError();
  return matchesEventPattern(compiled, event);
}

// ---------------------------------------------------------------------------------------------------------
// Compilation. Checks run in document order, so the first problem reported is the one AWS reports.

function compileObject(
  pattern: Record<string, unknown>,
  base: string | undefined,
  wildcards: Map<string, WildcardToken[][]>,
): Conjunction[] {
  const keys = Object.keys(pattern);
  if (keys.length === 0) fail('Empty objects are not allowed');
  const fields: FieldCondition[] = [];
  // Each group is a disjunction of conjunctions that must hold alongside `fields`.
  const groups: Conjunction[][] = [];
  for (const key of keys) {
    const value = pattern[key];
    if (key === '$or' && isOrList(value)) {
      groups.push(value.flatMap((branch) => compileObject(branch, base, wildcards)));
    } else if (Array.isArray(value)) {
      fields.push(compileValueList(value, joinPath(base, key), wildcards));
    } else if (isObject(value)) {
      groups.push(compileObject(value, joinPath(base, key), wildcards));
    } else {
      fail(`"${key}" must be an object or an array`);
    }
  }
  let result: Conjunction[] = [fields];
  for (const group of groups) {
    if (result.length * group.length > MAX_CONJUNCTIONS) {
      fail(`$or expands to more than ${MAX_CONJUNCTIONS} combinations`);
    }
    result = result.flatMap((left) => group.map((right) => [...left, ...right]));
  }
  return result;
}

/** `$or` is the OR primitive only as a list of two or more sub-patterns; otherwise it is an ordinary field name. */
function isOrList(value: unknown): value is Record<string, unknown>[] {
  return (
    Array.isArray(value) &&
    value.length >= 2 &&
    value.every((branch) => isObject(branch) && Object.keys(branch).every((key) => !OPERATORS.has(key)))
  );
}

function compileValueList(
  values: unknown[],
  path: string,
  wildcards: Map<string, WildcardToken[][]>,
): FieldCondition {
  if (values.length === 0) fail('Empty arrays are not allowed');
  const tests: ValueTest[] = [];
  const strings = new Set<string>();
  const numbers = new Set<number>();
  const literals = new Set<boolean | null>();
  let matchesAbsence = false;
  for (const value of values) {
    if (typeof value === 'string') strings.add(value);
    else if (isNumber(value)) numbers.add(value);
    else if (typeof value === 'boolean' || value === null) literals.add(value);
    else if (isObject(value)) {
      const expression = compileMatchExpression(value, path, wildcards);
      if (expression === 'absent') matchesAbsence = true;
      else tests.push(expression);
    } else fail('Match value must be String, number, true, false, or null');
  }
  if (strings.size + numbers.size + literals.size > 0) {
    tests.unshift((leaf) =>
      typeof leaf === 'string'
        ? strings.has(leaf)
        : typeof leaf === 'number'
          ? numbers.has(leaf)
          : literals.has(leaf),
    );
  }
  return { path, tests, matchesAbsence };
}

function compileMatchExpression(
  expression: Record<string, unknown>,
  path: string,
  wildcards: Map<string, WildcardToken[][]>,
): ValueTest | 'absent' {
  const keys = Object.keys(expression);
  const [operator] = keys;
  if (operator === undefined) return fail('Empty objects are not allowed');
  const operand = expression[operator];
  let result: ValueTest | 'absent';
  switch (operator) {
    case 'prefix':
    case 'suffix':
      result = compilePrefixOrSuffix(operator, operand);
      break;
    case 'equals-ignore-case': {
      if (typeof operand !== 'string') fail('equals-ignore-case match pattern must be a string');
      const expected = new CaseInsensitive(operand);
      result = (leaf) => typeof leaf === 'string' && expected.equals(leaf);
      break;
    }
    case 'wildcard': {
      if (typeof operand !== 'string') fail('wildcard match pattern must be a string');
      const tokens = parseWildcard(operand);
      wildcards.set(path, [...(wildcards.get(path) ?? []), tokens]);
      const glob = new Glob(tokens);
      result = (leaf) => typeof leaf === 'string' && glob.matches(leaf);
      break;
    }
    case 'anything-but':
      result = compileAnythingBut(operand);
      break;
    case 'numeric':
      result = compileNumeric(operand);
      break;
    case 'cidr':
      result = compileCidr(operand);
      break;
    case 'exists':
      if (typeof operand !== 'boolean') fail('exists match pattern must be either true or false.');
      result = operand ? () => true : 'absent';
      break;
    default:
      return fail(`Unrecognized match type ${operator}`);
  }
  if (keys.length > 1) fail('Only one key allowed in match expression');
  return result;
}

function compilePrefixOrSuffix(operator: 'prefix' | 'suffix', operand: unknown): ValueTest {
  const atEnd = operator === 'suffix';
  if (typeof operand === 'string') {
    return (leaf) => typeof leaf === 'string' && (atEnd ? leaf.endsWith(operand) : leaf.startsWith(operand));
  }
  if (isObject(operand) && Object.keys(operand)[0] === 'equals-ignore-case') {
    const value = operand['equals-ignore-case'];
    if (typeof value !== 'string') fail('equals-ignore-case match pattern must be a string');
    if (Object.keys(operand).length > 1) fail('Only one key allowed in match expression');
    const expected = new CaseInsensitive(value);
    return (leaf) =>
      typeof leaf === 'string' && (atEnd ? expected.isSuffixOf(leaf) : expected.isPrefixOf(leaf));
  }
  return fail(`${operator} match pattern must be a string`);
}

function compileAnythingBut(operand: unknown): ValueTest {
  const strings = new Set<string>();
  const numbers = new Set<number>();
  if (typeof operand === 'string') strings.add(operand);
  else if (isNumber(operand)) numbers.add(operand);
  else if (Array.isArray(operand)) {
    if (operand.length === 0) fail('Empty arrays are not allowed');
    for (const value of operand) {
      if (typeof value === 'string') strings.add(value);
      else if (isNumber(value)) numbers.add(value);
      else fail('Inside anything but list, start|null|boolean is not supported.');
    }
  } else if (isObject(operand)) {
    return compileAnythingButExpression(operand);
  } else {
    fail('Value of anything-but must be an array or single string/number value.');
  }
  // Anything-but needs a value to be present, but any type of value will do, null included.
  return (leaf) =>
    typeof leaf === 'string' ? !strings.has(leaf) : typeof leaf === 'number' ? !numbers.has(leaf) : true;
}

function compileAnythingButExpression(expression: Record<string, unknown>): ValueTest {
  const keys = Object.keys(expression);
  const [operator] = keys;
  if (operator === undefined) return fail('Empty objects are not allowed');
  const operand = expression[operator];
  let excluded: (value: string) => boolean;
  switch (operator) {
    case 'prefix':
    case 'suffix': {
      const affixes = anythingButStrings(operand, 'prefix/suffix match pattern must be a string');
      if (affixes.includes('')) fail('Null prefix/suffix not allowed');
      excluded =
        operator === 'prefix'
          ? (value) => affixes.some((prefix) => value.startsWith(prefix))
          : (value) => affixes.some((suffix) => value.endsWith(suffix));
      break;
    }
    case 'wildcard': {
      const globs = anythingButStrings(operand, 'wildcard match pattern must be a string').map(
        (pattern) => new Glob(parseWildcard(pattern)),
      );
      excluded = (value) => globs.some((glob) => glob.matches(value));
      break;
    }
    case 'equals-ignore-case': {
      const notSupported =
        'Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported.';
      const values = Array.isArray(operand) ? operand : [operand];
      if (values.length === 0) fail('Empty arrays are not allowed');
      if (!values.every((value): value is string => typeof value === 'string')) fail(notSupported);
      const expected = values.map((value) => new CaseInsensitive(value));
      excluded = (value) => expected.some((candidate) => candidate.equals(value));
      break;
    }
    default:
      return fail(`Unsupported anything-but pattern: ${operator}`);
  }
  if (keys.length > 1) fail('Only one key allowed in match expression');
  return (leaf) => typeof leaf !== 'string' || !excluded(leaf);
}

/** The operand of anything-but prefix/suffix/wildcard: one string or a list of strings. */
function anythingButStrings(operand: unknown, notAString: string): string[] {
  if (typeof operand === 'string') return [operand];
  if (Array.isArray(operand)) {
    if (operand.length === 0) fail('Empty arrays are not allowed');
    if (!operand.every((value): value is string => typeof value === 'string')) fail(notAString);
    return operand;
  }
  if (isObject(operand)) fail('Value of anything-but must be an array or single string/number value.');
  return fail(notAString);
}

// ---------------------------------------------------------------------------------------------------------
// Numeric ranges

const LOWER_BOUNDS = new Set(['>', '>=']);
const UPPER_BOUNDS = new Set(['<', '<=']);

function compileNumeric(operand: unknown): ValueTest {
  if (!Array.isArray(operand)) return fail('Value of numeric must be an array.');
  if (operand.length === 0) fail('Empty arrays are not allowed');
  let lower: { value: number; inclusive: boolean } | undefined;
  let upper: { value: number; inclusive: boolean } | undefined;
  let equals: number | undefined;
  for (let i = 0; i < operand.length; i += 2) {
    const op = operand[i];
    if (typeof op !== 'string') fail(`Invalid member in numeric match: ${JSON.stringify(op)}`);
    const operator: string = op;
    if (operator !== '=' && !LOWER_BOUNDS.has(operator) && !UPPER_BOUNDS.has(operator)) {
      fail(`Unrecognized numeric range operator: ${operator}`);
    }
    const value = operand[i + 1];
    if (!isNumber(value)) fail(`Value of ${operator} must be numeric`);
    if (i >= 4 || equals !== undefined) fail('Too many terms in numeric range expression');
    if (operator === '=') {
      if (i > 0) fail('Bad numeric range operator: =');
      equals = value;
    } else if (LOWER_BOUNDS.has(operator)) {
      if (lower !== undefined) fail(`Bad numeric range operator: ${operator}`);
      lower = { value: value, inclusive: operator === '>=' };
    } else {
      if (upper !== undefined) fail(`Bad numeric range operator: ${operator}`);
      upper = { value: value, inclusive: operator === '<=' };
    }
  }
  if (equals !== undefined) {
    const target = equals;
    return (leaf) => leaf === target;
  }
  if (lower !== undefined && upper !== undefined && lower.value >= upper.value) {
    fail('Bottom must be less than top');
  }
  return (leaf) =>
    typeof leaf === 'number' &&
    (lower === undefined || (lower.inclusive ? leaf >= lower.value : leaf > lower.value)) &&
    (upper === undefined || (upper.inclusive ? leaf <= upper.value : leaf < upper.value));
}

// ---------------------------------------------------------------------------------------------------------
// Case-insensitive comparison, one code point at a time as AWS does (no length-changing folds like ß → SS).

class CaseInsensitive {
  readonly #codePoints: readonly string[];

  constructor(value: string) {
    this.#codePoints = Array.from(value);
  }

  equals(value: string): boolean {
    const actual = Array.from(value);
    return actual.length === this.#codePoints.length && this.#sameFrom(actual, 0);
  }

  isPrefixOf(value: string): boolean {
    const actual = Array.from(value);
    return actual.length >= this.#codePoints.length && this.#sameFrom(actual, 0);
  }

  isSuffixOf(value: string): boolean {
    const actual = Array.from(value);
    return (
      actual.length >= this.#codePoints.length &&
      this.#sameFrom(actual, actual.length - this.#codePoints.length)
    );
  }

  #sameFrom(actual: readonly string[], offset: number): boolean {
    return this.#codePoints.every((expected, i) => sameIgnoringCase(expected, actual[offset + i] ?? ''));
  }
}

function sameIgnoringCase(a: string, b: string): boolean {
  return a === b || a.toLowerCase() === b.toLowerCase() || a.toUpperCase() === b.toUpperCase();
}

// ---------------------------------------------------------------------------------------------------------
// Wildcards: `*` matches any run of characters, `\*` a star, `\\` a backslash; no other escapes.

const STAR = Symbol('*');
type WildcardToken = string | typeof STAR;

function parseWildcard(pattern: string): WildcardToken[] {
  const tokens: WildcardToken[] = [];
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i]!;
    if (char === '\\') {
      const next = pattern[i + 1];
      if (next !== '*' && next !== '\\') fail(`Invalid escape character at pos ${i}`);
      tokens.push(next);
      i++;
    } else if (char === '*') {
      if (tokens.at(-1) === STAR) fail(`Consecutive wildcard characters at pos ${i}`);
      tokens.push(STAR);
    } else {
      tokens.push(char);
    }
  }
  return tokens;
}

class Glob {
  readonly #segments: readonly string[];

  constructor(tokens: readonly WildcardToken[]) {
    const segments = [''];
    for (const token of tokens) {
      if (token === STAR) segments.push('');
      else segments[segments.length - 1] += token;
    }
    this.#segments = segments;
  }

  matches(value: string): boolean {
    const segments = this.#segments;
    const first = segments[0]!;
    if (segments.length === 1) return value === first;
    const last = segments[segments.length - 1]!;
    if (value.length < first.length + last.length || !value.startsWith(first) || !value.endsWith(last)) {
      return false;
    }
    // Leftmost placement of each middle segment is optimal when `*` is the only metacharacter.
    let position = first.length;
    const end = value.length - last.length;
    for (let i = 1; i < segments.length - 1; i++) {
      const segment = segments[i]!;
      const found = value.indexOf(segment, position);
      if (found === -1 || found + segment.length > end) return false;
      position = found + segment.length;
    }
    return true;
  }
}

/**
 * How many wildcard-pattern states one worst-case value can keep alive at once, summed over the wildcard
 * patterns of one field: EventBridge's measure of a rule's non-determinism. Each pattern is an automaton
 * whose states follow literals; a `*` adds a looping state, counted as soon as the state before it is
 * reached. Explores the subset construction over the literals in use plus one "other" character.
 */
function wildcardComplexity(patterns: readonly WildcardToken[][]): number {
  interface State {
    readonly onChar: Map<string, number[]>;
    loop: number | undefined;
  }
  const states: State[] = [];
  const newState = (): number => states.push({ onChar: new Map(), loop: undefined }) - 1;
  const starts: number[] = [];
  const alphabet = new Set<string>(['\u0000']);
  for (const tokens of patterns) {
    const start = newState();
    starts.push(start);
    let last = start;
    let readers = [start];
    for (const token of tokens) {
      if (token === STAR) {
        const loop = newState();
        states[last]!.loop = loop;
        states[loop]!.loop = loop;
        readers = [last, loop];
      } else {
        alphabet.add(token);
        const next = newState();
        for (const reader of readers) {
          const onChar = states[reader]!.onChar;
          onChar.set(token, [...(onChar.get(token) ?? []), next]);
        }
        last = next;
        readers = [next];
      }
    }
  }
  const weigh = (active: readonly number[]): number => {
    const counted = new Set(active);
    for (const state of active) {
      const loop = states[state]!.loop;
      if (loop !== undefined) counted.add(loop);
    }
    return counted.size;
  };
  const seen = new Set<string>();
  const queue: number[][] = [starts];
  let worst = 0;
  while (queue.length > 0) {
    const active = queue.shift()!;
    const key = active.join(',');
    if (seen.has(key)) continue;
    seen.add(key);
    worst = Math.max(worst, weigh(active));
    if (worst > MAX_WILDCARD_COMPLEXITY) return worst;
    for (const char of alphabet) {
      const next = new Set<number>();
      for (const state of active) {
        for (const target of states[state]!.onChar.get(char) ?? []) next.add(target);
        const loop = states[state]!.loop;
        if (loop !== undefined) next.add(loop);
      }
      if (next.size > 0) queue.push([...next].sort((a, b) => a - b));
    }
  }
  return worst;
}

// ---------------------------------------------------------------------------------------------------------
// CIDR

interface Network {
  readonly bits: 32 | 128;
  readonly address: bigint;
  readonly maskBits: number;
}

function compileCidr(operand: unknown): ValueTest {
  // AWS implements cidr on top of prefix matching, and its type error says so.
  if (typeof operand !== 'string') return fail('prefix match pattern must be a string');
  const parts = operand.split('/');
  if (parts.length !== 2) fail("Malformed CIDR, one '/' required");
  const [ip, mask] = parts as [string, string];
  if (!/^[+-]?\d+$/.test(mask)) fail('Malformed CIDR, mask bits must be an integer');
  const address = parseIp(ip);
  if (address === undefined) return fail(`Nonstandard IP address: ${ip}`);
  const maskBits = Number(mask);
  if (maskBits < 0 || maskBits > address.bits) {
    fail(`Malformed CIDR, mask bits must be between 0 and ${address.bits}`);
  }
  const network: Network = { ...address, maskBits };
  return (leaf) => {
    if (typeof leaf !== 'string') return false;
    const candidate = parseIp(leaf);
    return candidate !== undefined && inNetwork(candidate, network);
  };
}

function inNetwork(candidate: { bits: 32 | 128; address: bigint }, network: Network): boolean {
  if (candidate.bits !== network.bits) return false;
  const shift = BigInt(network.bits - network.maskBits);
  return candidate.address >> shift === network.address >> shift;
}

function parseIp(text: string): { bits: 32 | 128; address: bigint } | undefined {
  const v4 = parseIpv4(text);
  if (v4 !== undefined) return { bits: 32, address: v4 };
  const v6 = parseIpv6(text);
  return v6 === undefined ? undefined : { bits: 128, address: v6 };
}

function parseIpv4(text: string): bigint | undefined {
  const octets = text.split('.');
  if (octets.length !== 4) return undefined;
  let address = 0n;
  for (const octet of octets) {
    if (!/^(0|[1-9]\d{0,2})$/.test(octet) || Number(octet) > 255) return undefined;
    address = (address << 8n) | BigInt(octet);
  }
  return address;
}

function parseIpv6(text: string): bigint | undefined {
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groupsOf = (part: string): string[] | undefined => {
    if (part === '') return [];
    const groups = part.split(':');
    const tail = groups.at(-1)!;
    if (tail.includes('.')) {
      // An embedded IPv4 address stands for the last two groups.
      const v4 = parseIpv4(tail);
      if (v4 === undefined) return undefined;
      groups.splice(-1, 1, (v4 >> 16n).toString(16), (v4 & 0xffffn).toString(16));
    }
    return groups.every((group) => /^[0-9a-fA-F]{1,4}$/.test(group)) ? groups : undefined;
  };
  const head = groupsOf(halves[0]!);
  const tail = halves.length === 2 ? groupsOf(halves[1]!) : [];
  if (head === undefined || tail === undefined) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  const groups = [...head, ...Array<string>(missing).fill('0'), ...tail];
  return groups.reduce((address, group) => (address << 16n) | BigInt(`0x${group}`), 0n);
}

// ---------------------------------------------------------------------------------------------------------
// Matching

/** Each array holding an object on the way to a leaf, and which element; AWS never pairs fields across elements. */
interface Membership {
  readonly array: number;
  readonly index: number;
}

interface LeafAt {
  readonly value: Leaf;
  readonly memberships: readonly Membership[];
}

/**
 * Leaves of the event by dot-joined path (so `{"a.b": 1}` and `{"a": {"b": 1}}` agree, as in AWS), arrays
 * crushed into their parent's path. Objects are not leaves: exists never sees them.
 */
function flattenEvent(event: Record<string, unknown>, prefixes: ReadonlySet<string>): Map<string, LeafAt[]> {
  const leaves = new Map<string, LeafAt[]>();
  let arrays = 0;
  const visit = (value: unknown, path: string | undefined, memberships: readonly Membership[]): void => {
    if (Array.isArray(value)) {
      const array = arrays++;
      value.forEach((element, index) => {
        visit(element, path, isObject(element) ? [...memberships, { array, index }] : memberships);
      });
    } else if (isObject(value)) {
      for (const [key, child] of Object.entries(value)) {
        const childPath = joinPath(path, key);
        if (prefixes.has(childPath)) visit(child, childPath, memberships);
      }
    } else if (path === undefined) {
      return;
    } else if (
      typeof value === 'string' ||
      typeof value === 'boolean' ||
      value === null ||
      (typeof value === 'number' && Number.isFinite(value))
    ) {
      const list = leaves.get(path);
      if (list === undefined) leaves.set(path, [{ value, memberships }]);
      else list.push({ value, memberships });
    }
  };
  visit(event, undefined, []);
  return leaves;
}

function matchesConjunction(conjunction: Conjunction, leaves: ReadonlyMap<string, LeafAt[]>): boolean {
  const choices: LeafAt[][] = [];
  for (const condition of conjunction) {
    const present = leaves.get(condition.path);
    if (present === undefined || present.length === 0) {
      if (condition.matchesAbsence) continue;
      return false;
    }
    const candidates = present.filter((leaf) => condition.tests.some((test) => test(leaf.value)));
    if (candidates.length === 0) return false;
    choices.push(candidates);
  }
  if (choices.every((candidates) => candidates.some((leaf) => leaf.memberships.length === 0))) return true;
  choices.sort((a, b) => a.length - b.length);
  return pickConsistent(choices, 0, []);
}

function pickConsistent(choices: readonly LeafAt[][], depth: number, picked: LeafAt[]): boolean {
  const candidates = choices[depth];
  if (candidates === undefined) return true;
  for (const leaf of candidates) {
    if (picked.every((other) => consistent(leaf, other))) {
      picked.push(leaf);
      if (pickConsistent(choices, depth + 1, picked)) return true;
      picked.pop();
    }
  }
  return false;
}

function consistent(a: LeafAt, b: LeafAt): boolean {
  return a.memberships.every((m) => b.memberships.every((n) => n.array !== m.array || n.index === m.index));
}
