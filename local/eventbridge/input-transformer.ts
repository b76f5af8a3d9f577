// What an EventBridge target receives: the event, a constant Input, an InputPath or an InputTransformer, with
// the substitution and quoting rules AWS applies (as documented and as recorded against AWS).

/** The EventBridge envelope a rule matches and a target receives unless its input is customised. */
export interface EventBridgeEvent {
  version: '0';
  id: string;
  'detail-type': string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: Record<string, unknown>;
}

export interface InputTransformer {
  /** Variable name → JSON path into the event (`$.detail.entity`). */
  inputPathsMap?: Record<string, string>;
  /** A JSON template (`{"entity": <entity>}`) or a quoted string template (`"<entity> slipped"`). */
  inputTemplate: string;
}

/** How a target's input is customised: at most one of these, as PutTargets requires. */
export interface TargetInputOptions {
  input?: string;
  inputPath?: string;
  inputTransformer?: InputTransformer;
}

/** The values of the reserved `aws.events.*` variables for one delivery. */
export interface DeliveryContext {
  ruleArn: string;
  ruleName: string;
  /** When the bus received the event (the envelope `time` may be set by the publisher). */
  ingestionTime: string;
}

/** A target configuration PutTargets would refuse. `name` is AWS's error code. */
export class TargetValidationError extends Error {
  override readonly name = 'ValidationException';
}

/** An event whose transformed input is not what the template promises (invalid JSON); AWS does not deliver it. */
export class InputTransformationError extends Error {
  override readonly name = 'InputTransformationError';
}

const VARIABLE_NAME = /^[A-Za-z0-9_-]+$/;
const MAX_VARIABLES = 100;
const PLACEHOLDER = /<([A-Za-z0-9_.-]+)>/g;

const RULE_ARN = 'aws.events.rule-arn';
const RULE_NAME = 'aws.events.rule-name';
const INGESTION_TIME = 'aws.events.event.ingestion-time';
const EVENT = 'aws.events.event';
const EVENT_JSON = 'aws.events.event.json';
const PREDEFINED = new Set([RULE_ARN, RULE_NAME, INGESTION_TIME, EVENT, EVENT_JSON]);

// ---------------------------------------------------------------------------------------------------------
// JSON paths, in the subset EventBridge supports: `$`, `.name` (dashes, underscores, slashes), `['name']`,
// `[index]` and the `*` wildcard. A path with a wildcard yields the list of everything it reaches.

type PathStep = { kind: 'key'; key: string } | { kind: 'index'; index: number } | { kind: 'wildcard' };

interface CompiledPath {
  readonly steps: readonly PathStep[];
  readonly definite: boolean;
}

const pathCache = new Map<string, CompiledPath>();

/** Parses a JSON path, or says what is wrong with it. */
export function compileJsonPath(path: string): CompiledPath {
  const cached = pathCache.get(path);
  if (cached) return cached;
  if (!path.startsWith('$')) throw new TargetValidationError(`JSON path ${path} must start with $`);
  const steps: PathStep[] = [];
  let at = 1;
  while (at < path.length) {
    const char = path[at];
    if (char === '.') {
      const match = /^[^.[\]]+/.exec(path.slice(at + 1));
      if (!match) throw new TargetValidationError(`JSON path ${path} has an empty field name at ${at}`);
      steps.push(match[0] === '*' ? { kind: 'wildcard' } : { kind: 'key', key: match[0] });
      at += 1 + match[0].length;
    } else if (char === '[') {
      const close = path.indexOf(']', at);
      if (close === -1) throw new TargetValidationError(`JSON path ${path} has an unclosed [ at ${at}`);
      const inside = path.slice(at + 1, close).trim();
      if (inside === '*') steps.push({ kind: 'wildcard' });
      else if (/^\d+$/.test(inside)) steps.push({ kind: 'index', index: Number(inside) });
      else if (/^'[^']*'$|^"[^"]*"$/.test(inside)) steps.push({ kind: 'key', key: inside.slice(1, -1) });
      else throw new TargetValidationError(`JSON path ${path} has an unsupported selector [${inside}]`);
      at = close + 1;
    } else {
      throw new TargetValidationError(`JSON path ${path} has an unexpected character at ${at}`);
    }
  }
  const compiled = { steps, definite: steps.every((step) => step.kind !== 'wildcard') };
  pathCache.set(path, compiled);
  return compiled;
}

/** The value a JSON path reaches in `document`, or `undefined` when it reaches nothing. */
export function readJsonPath(document: unknown, path: string): unknown {
  const { steps, definite } = compileJsonPath(path);
  let current: unknown[] = [document];
  for (const step of steps) {
    const next: unknown[] = [];
    for (const value of current) {
      if (step.kind === 'wildcard') {
        if (Array.isArray(value)) next.push(...value);
        else if (isObject(value)) next.push(...Object.values(value));
      } else if (step.kind === 'index') {
        if (Array.isArray(value) && step.index < value.length) next.push(value[step.index]);
      } else if (isObject(value) && Object.hasOwn(value, step.key)) {
        next.push(value[step.key]);
      }
    }
    current = next;
  }
  if (definite) return current[0];
  return current;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

// ---------------------------------------------------------------------------------------------------------
// Validation, as PutTargets does it.

/** Checks a target's input options the way PutTargets does; throws `TargetValidationError`. */
export function validateTargetInput(targetId: string, options: TargetInputOptions): void {
  const given = [options.input, options.inputPath, options.inputTransformer].filter((o) => o !== undefined);
  if (given.length > 1) {
    throw new TargetValidationError(
      `Only one of Input, InputPath, or InputTransformer must be provided for target ${targetId}.`,
    );
  }
  if (options.input !== undefined) {
    try {
      JSON.parse(options.input);
    } catch {
      throw new TargetValidationError(`Input for target ${targetId} is not valid JSON.`);
    }
  }
  if (options.inputPath !== undefined) compileJsonPath(options.inputPath);
  const transformer = options.inputTransformer;
  if (transformer === undefined) return;
  const paths = transformer.inputPathsMap ?? {};
  const names = Object.keys(paths);
  if (names.length > MAX_VARIABLES) {
    throw new TargetValidationError(
      `InputPathsMap for target ${targetId} has ${names.length} variables; at most ${MAX_VARIABLES} are allowed.`,
    );
  }
  for (const name of names) {
    if (!VARIABLE_NAME.test(name)) {
      throw new TargetValidationError(
        `InputPathsMap for target ${targetId} has an invalid variable name ${name}.`,
      );
    }
    compileJsonPath(paths[name]!);
  }
  for (const [, name] of transformer.inputTemplate.matchAll(PLACEHOLDER)) {
    if (name !== undefined && !Object.hasOwn(paths, name) && !PREDEFINED.has(name)) {
      throw new TargetValidationError(
        `InputTemplate for target ${targetId} contains invalid placeholder ${name}.`,
      );
    }
  }
}

// ---------------------------------------------------------------------------------------------------------
// Rendering.

/**
 * The exact text a target receives for `event`: the envelope as JSON by default, the constant Input, the
 * JSON at InputPath, or the rendered InputTransformer template. Throws `InputTransformationError` when AWS
 * would not deliver (InputPath reaching nothing, a JSON template that renders to invalid JSON).
 */
export function targetInput(
  event: EventBridgeEvent,
  options: TargetInputOptions,
  context: DeliveryContext,
): string {
  if (options.input !== undefined) return options.input;
  if (options.inputPath !== undefined) {
    const value = readJsonPath(event, options.inputPath);
    if (value === undefined) {
      throw new InputTransformationError(
        `InputPath ${options.inputPath} matches nothing in event ${event.id}`,
      );
    }
    return JSON.stringify(value);
  }
  if (options.inputTransformer !== undefined) {
    return renderInputTemplate(event, options.inputTransformer, context);
  }
  return JSON.stringify(event);
}

/**
 * Renders an input template. A template that is a JSON object or array is filled in, parsed and minified;
 * any other template (a quoted string, several quoted lines) is filled in and passed on as text.
 *
 * A placeholder outside quotes becomes the value as JSON (a string gets quotes; a path that reaches
 * nothing gives `""`). Inside quotes it becomes the value's text without escaping: a string as it is, an
 * object or array as JSON — with its inner quotes removed in a string template, as AWS does, and left in
 * place in a JSON template, where they break the JSON and the event is not delivered.
 */
export function renderInputTemplate(
  event: EventBridgeEvent,
  transformer: InputTransformer,
  context: DeliveryContext,
): string {
  const values = new Map<string, unknown>();
  for (const [name, path] of Object.entries(transformer.inputPathsMap ?? {})) {
    values.set(name, readJsonPath(event, path));
  }
  const { detail: _detail, 'detail-type': detailType, ...withoutDetail } = event;
  const predefined: Record<string, unknown> = {
    [RULE_ARN]: context.ruleArn,
    [RULE_NAME]: context.ruleName,
    [INGESTION_TIME]: context.ingestionTime,
    // AWS renames detail-type to detailType in this one (recorded against AWS).
    [EVENT]: { ...withoutDetail, detailType },
    [EVENT_JSON]: event,
  };
  const template = transformer.inputTemplate;
  const jsonTemplate = /^\s*[[{]/.test(template);
  let output = '';
  let inString = false;
  let at = 0;
  while (at < template.length) {
    const char = template[at]!;
    if (char === '<') {
      const match = /^<([A-Za-z0-9_.-]+)>/.exec(template.slice(at));
      const name = match?.[1];
      if (match && name !== undefined && (values.has(name) || Object.hasOwn(predefined, name))) {
        const value = values.has(name) ? values.get(name) : predefined[name];
        output += inString ? textOf(value, !jsonTemplate) : jsonOf(value);
        at += match[0].length;
        continue;
      }
    }
    if (char === '\\' && inString) {
      output += template.slice(at, at + 2);
      at += 2;
      continue;
    }
    if (char === '"') inString = !inString;
    output += char;
    at += 1;
  }
  if (!jsonTemplate) return output;
  try {
    return JSON.stringify(JSON.parse(output));
  } catch {
    throw new InputTransformationError(
      `InputTemplate rendered invalid JSON for event ${event.id}: ${output.slice(0, 200)}`,
    );
  }
}

/** A value in a JSON position: JSON, with `""` for a path that reached nothing. */
function jsonOf(value: unknown): string {
  return value === undefined ? '""' : JSON.stringify(value);
}

/** A value inside quotes: its text, unescaped. */
function textOf(value: unknown, stripQuotes: boolean): string {
  if (value === undefined) return '';
  if (typeof value === 'string') return value;
  const json = JSON.stringify(value);
  return stripQuotes && typeof value === 'object' && value !== null ? json.replaceAll('"', '') : json;
}
