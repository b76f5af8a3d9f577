// The local EventBridge: event buses, rules with their patterns and targets, PutEvents with AWS's contract,
// TestEventPattern, scheduled rules fired on demand, and delivery with retries and dead letters.

import { randomUUID } from 'node:crypto';
import type {
  PutEventsRequestEntry,
  PutEventsResponse,
  PutEventsResultEntry,
} from '@aws-sdk/client-eventbridge';
import {
  PUT_EVENTS_MAX_ENTRIES,
  PUT_EVENTS_REQUEST_SIZE_LIMIT,
  putEventsEntrySize,
} from '../../events/limits.ts';
import { type Clock, systemClock } from '../clock.ts';
import {
  type DeliveryContext,
  type EventBridgeEvent,
  InputTransformationError,
  type TargetInputOptions,
  targetInput,
  validateTargetInput,
} from './input-transformer.ts';
import {
  type CompiledPattern,
  compileEventPattern,
  matchesEventPattern,
  testEventPattern,
} from './pattern.ts';

export type { EventBridgeEvent } from './input-transformer.ts';

/** The bus every account has; PutEvents entries without a bus name go there. */
export const DEFAULT_EVENT_BUS = 'default';

/** A request EventBridge refuses as a whole (HTTP 400). `name` is AWS's error code. */
export class EventBridgeRequestError extends Error {
  override readonly name: 'ValidationException' | 'ResourceNotFoundException' | 'LimitExceededException';

  constructor(code: EventBridgeRequestError['name'], message: string) {
    super(message);
    this.name = code;
  }
}

/** A target's delivery that failed for good: retries exhausted, too old, or its input could not be built. */
export interface DeliveryFailure {
  event: EventBridgeEvent;
  ruleArn: string;
  ruleName: string;
  targetId: string;
  targetArn: string | undefined;
  /** AWS's dead-letter message attribute values. */
  errorCode: string;
  errorMessage: string;
  /** Attempts made (0 when the input could not be built). */
  attempts: number;
}

export interface DeliveryDetails {
  event: EventBridgeEvent;
  ruleArn: string;
  ruleName: string;
  targetId: string;
}

export interface RuleTarget extends TargetInputOptions {
  id: string;
  /** The target's ARN, for dead-letter attributes and messages. */
  arn?: string;
  /**
   * Hands the target its input: the exact text AWS would send (the event as JSON unless customised). An SQS
   * target sends it as the message body; a Lambda target invokes asynchronously with it as the payload.
   * Throwing (or rejecting) counts as a failed attempt and is retried under `retryPolicy`.
   */
  deliver(input: string, details: DeliveryDetails): void | Promise<void>;
  /** AWS's defaults: 185 retries, 24 hours. Retries back off exponentially from one second, up to five minutes. */
  retryPolicy?: { maximumRetryAttempts?: number; maximumEventAgeInSeconds?: number };
  /** The target's dead-letter queue; without one, failures go to the bus's `onDeliveryFailure`. */
  deadLetter?(failure: DeliveryFailure): void | Promise<void>;
}

export interface PutEventsOptions {
  /**
   * Whether the caller may put this entry on this bus (its IAM policies and the bus policy): undefined when it
   * may, else the entry's error (`NotAuthorizedForSourceException`, `AccessDeniedException`). In-process
   * callers (rule targets, tests) pass none: only requests over HTTP come from a principal.
   */
  authorise?(
    entry: { source: string; detailType: string },
    bus: { name: string; arn: string },
  ): PutEventsResultEntry | undefined;
}

export interface RuleDefinition {
  name: string;
  /** Defaults to `default`. A bus name or an event-bus ARN. */
  busName?: string;
  /** An event pattern (JSON text or object). A rule has a pattern, a schedule, or both. */
  pattern?: string | object;
  /** `rate(...)` or `cron(...)`, kept as written: local schedules fire on demand (`fireScheduledRule`). */
  schedule?: string;
  state?: 'ENABLED' | 'DISABLED';
  targets?: readonly RuleTarget[];
}

export interface RuleDescription {
  name: string;
  arn: string;
  busName: string;
  pattern: string | undefined;
  schedule: string | undefined;
  state: 'ENABLED' | 'DISABLED';
  targetIds: string[];
}

interface Rule {
  readonly description: RuleDescription;
  readonly compiled: CompiledPattern | undefined;
  readonly targets: readonly RuleTarget[];
}

interface Bus {
  readonly name: string;
  readonly arn: string;
  readonly rules: Map<string, Rule>;
}

export interface LocalEventBridgeOptions {
  region?: string;
  account?: string;
  clock?: Clock;
  newId?: () => string;
  /**
   * AWS accepts entries for a bus that does not exist, returns an EventId and drops them (recorded against
   * AWS in January 2025). Set this to answer them with a per-entry `ResourceNotFoundException` instead.
   */
  rejectUnknownBus?: boolean;
  /** Deliveries that failed for good on targets without a dead letter. Default: written to `log`. */
  onDeliveryFailure?(failure: DeliveryFailure): void;
  /** Warnings (dropped events, failed deliveries). Default: console.warn. */
  log?(message: string): void;
}

const NAME = /^[.\-_A-Za-z0-9]{1,64}$/;
const BUS_NAME = /^[/.\-_A-Za-z0-9]{1,256}$/;
const MAX_TARGETS_PER_RULE = 5;
const DEFAULT_RETRY_ATTEMPTS = 185;
const DEFAULT_EVENT_AGE_SECONDS = 24 * 60 * 60;
const FIRST_RETRY_DELAY_MS = 1000;
const MAX_RETRY_DELAY_MS = 5 * 60 * 1000;

/** EventBridge's envelope time: UTC to the second. */
export function envelopeTime(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** The bus name from `EventBusName`, which may be a name or an event-bus ARN. */
export function busNameOf(nameOrArn: string | undefined): string {
  if (!nameOrArn) return DEFAULT_EVENT_BUS;
  const arn = /^arn:[^:]+:events:[^:]*:[^:]*:event-bus\/(.+)$/.exec(nameOrArn);
  return arn?.[1] ?? nameOrArn;
}

export class LocalEventBridge {
  readonly region: string;
  readonly account: string;
  readonly #clock: Clock;
  readonly #newId: () => string;
  readonly #rejectUnknownBus: boolean;
  readonly #onDeliveryFailure: (failure: DeliveryFailure) => void;
  readonly #log: (message: string) => void;
  readonly #buses = new Map<string, Bus>();
  readonly #listeners = new Set<(event: EventBridgeEvent, busName: string) => void>();
  #pending = 0;
  #idleWaiters: (() => void)[] = [];
  readonly #retries = new Set<() => void>();

  constructor(options: LocalEventBridgeOptions = {}) {
    this.region = options.region ?? 'us-east-1';
    this.account = options.account ?? '000000000000';
    this.#clock = options.clock ?? systemClock;
    this.#newId = options.newId ?? randomUUID;
    this.#rejectUnknownBus = options.rejectUnknownBus ?? false;
    this.#log = options.log ?? ((message) => console.warn(message));
    this.#onDeliveryFailure =
      options.onDeliveryFailure ??
      ((failure) =>
        this.#log(
          `EventBridge: 事件未送达 event not delivered to ${failure.ruleName}/${failure.targetId}: ${failure.errorCode} ${failure.errorMessage}`,
        ));
    this.createEventBus(DEFAULT_EVENT_BUS);
  }

  // -------------------------------------------------------------------------------------------------------
  // Buses and rules

  /** Creates a custom bus (idempotent here; AWS would say ResourceAlreadyExistsException). */
  createEventBus(name: string): { name: string; arn: string } {
    if (!BUS_NAME.test(name)) {
      throw new EventBridgeRequestError('ValidationException', `Event bus name ${name} is not valid.`);
    }
    let bus = this.#buses.get(name);
    if (!bus) {
      bus = {
        name,
        arn: `arn:aws:events:${this.region}:${this.account}:event-bus/${name}`,
        rules: new Map(),
      };
      this.#buses.set(name, bus);
    }
    return { name: bus.name, arn: bus.arn };
  }

  hasEventBus(nameOrArn: string): boolean {
    return this.#buses.has(busNameOf(nameOrArn));
  }

  eventBuses(): { name: string; arn: string }[] {
    return [...this.#buses.values()].map(({ name, arn }) => ({ name, arn }));
  }

  /** Creates or replaces a rule with its targets, validated as PutRule and PutTargets validate them. */
  putRule(definition: RuleDefinition): { ruleArn: string } {
    const busName = busNameOf(definition.busName);
    const bus = this.#bus(busName);
    if (!NAME.test(definition.name)) {
      throw new EventBridgeRequestError(
        'ValidationException',
        `1 validation error detected: Value '${definition.name}' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\.\\-_A-Za-z0-9]+ and have length less than or equal to 64`,
      );
    }
    if (definition.pattern === undefined && definition.schedule === undefined) {
      throw new EventBridgeRequestError(
        'ValidationException',
        'Parameter(s) EventPattern or ScheduleExpression must be specified.',
      );
    }
    if (definition.schedule !== undefined && busName !== DEFAULT_EVENT_BUS) {
      throw new EventBridgeRequestError(
        'ValidationException',
        'ScheduleExpression is supported only on the default event bus.',
      );
    }
    if (definition.schedule !== undefined && !/^(rate|cron)\(.+\)$/.test(definition.schedule)) {
      throw new EventBridgeRequestError('ValidationException', 'Parameter ScheduleExpression is not valid.');
    }
    const compiled = definition.pattern === undefined ? undefined : compileEventPattern(definition.pattern);
    const targets = definition.targets ?? [];
    if (targets.length > MAX_TARGETS_PER_RULE) {
      throw new EventBridgeRequestError(
        'LimitExceededException',
        `The requested resource exceeds the maximum number allowed of ${MAX_TARGETS_PER_RULE} targets for rule ${definition.name}.`,
      );
    }
    const ids = new Set<string>();
    for (const target of targets) {
      if (!NAME.test(target.id)) {
        throw new EventBridgeRequestError('ValidationException', `Target id ${target.id} is not valid.`);
      }
      if (ids.has(target.id)) {
        throw new EventBridgeRequestError(
          'ValidationException',
          `Rule ${definition.name} has two targets with id ${target.id}.`,
        );
      }
      ids.add(target.id);
      validateTargetInput(target.id, target);
    }
    const arn =
      busName === DEFAULT_EVENT_BUS
        ? `arn:aws:events:${this.region}:${this.account}:rule/${definition.name}`
        : `arn:aws:events:${this.region}:${this.account}:rule/${busName}/${definition.name}`;
    const pattern =
      definition.pattern === undefined
        ? undefined
        : typeof definition.pattern === 'string'
          ? definition.pattern
          : JSON.stringify(definition.pattern);
    bus.rules.set(definition.name, {
      description: {
        name: definition.name,
        arn,
        busName,
        pattern,
        schedule: definition.schedule,
        state: definition.state ?? 'ENABLED',
        targetIds: targets.map((t) => t.id),
      },
      compiled,
      targets: [...targets],
    });
    return { ruleArn: arn };
  }

  removeRule(name: string, busName?: string): void {
    const bus = this.#bus(busNameOf(busName));
    if (!bus.rules.delete(name)) {
      throw new EventBridgeRequestError(
        'ResourceNotFoundException',
        `Rule ${name} does not exist on EventBus ${bus.name}.`,
      );
    }
  }

  rules(busName?: string): RuleDescription[] {
    const buses = busName === undefined ? [...this.#buses.values()] : [this.#bus(busNameOf(busName))];
    return buses.flatMap((bus) => [...bus.rules.values()].map((rule) => ({ ...rule.description })));
  }

  /** Called with every event a bus accepts, before matching: for logs and tests. Returns an unsubscribe. */
  onEvent(listener: (event: EventBridgeEvent, busName: string) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  // -------------------------------------------------------------------------------------------------------
  // PutEvents and TestEventPattern

  /**
   * PutEvents as AWS answers it: request-level problems throw `EventBridgeRequestError` (1–10 entries, total
   * size); each entry gets an EventId or AWS's error code; delivery to matching rules happens afterwards.
   */
  putEvents(
    entries: readonly PutEventsRequestEntry[] | undefined,
    options: PutEventsOptions = {},
  ): PutEventsResponse {
    if (entries === undefined || entries === null) {
      throw new EventBridgeRequestError(
        'ValidationException',
        "1 validation error detected: Value null at 'entries' failed to satisfy constraint: Member must not be null",
      );
    }
    if (entries.length < 1 || entries.length > PUT_EVENTS_MAX_ENTRIES) {
      const constraint =
        entries.length < 1 ? 'greater than or equal to 1' : `less than or equal to ${PUT_EVENTS_MAX_ENTRIES}`;
      throw new EventBridgeRequestError(
        'ValidationException',
        `1 validation error detected: Value '[${entries.map(describeEntry).join(', ')}]' at 'entries' failed to satisfy constraint: Member must have length ${constraint}`,
      );
    }
    const size = entries.reduce((sum, entry) => sum + putEventsEntrySize(entry), 0);
    if (size >= PUT_EVENTS_REQUEST_SIZE_LIMIT) {
      throw new EventBridgeRequestError(
        'ValidationException',
        'Total size of the entries in the request is over the limit.',
      );
    }
    const receivedAt = this.#clock.now();
    const results: PutEventsResultEntry[] = [];
    const accepted: { event: EventBridgeEvent; bus: Bus | undefined }[] = [];
    for (const entry of entries) {
      const problem = entryProblem(entry);
      if (problem) {
        results.push(problem);
        continue;
      }
      const busName = busNameOf(entry.EventBusName);
      const bus = this.#buses.get(busName);
      const refused = options.authorise?.(
        { source: entry.Source!, detailType: entry.DetailType! },
        {
          name: busName,
          arn: bus?.arn ?? `arn:aws:events:${this.region}:${this.account}:event-bus/${busName}`,
        },
      );
      if (refused) {
        results.push(refused);
        continue;
      }
      if (!bus && this.#rejectUnknownBus) {
        results.push({
          ErrorCode: 'ResourceNotFoundException',
          ErrorMessage: `Event bus ${busName} does not exist.`,
        });
        continue;
      }
      const id = this.#newId();
      results.push({ EventId: id });
      accepted.push({
        bus,
        event: {
          version: '0',
          id,
          'detail-type': entry.DetailType!,
          source: entry.Source!,
          account: this.account,
          time: envelopeTime(entry.Time === undefined ? receivedAt : new Date(entry.Time).getTime()),
          region: this.region,
          resources: [...(entry.Resources ?? [])],
          detail: JSON.parse(entry.Detail!) as Record<string, unknown>,
        },
      });
      if (!bus) {
        this.#log(
          `EventBridge: 事件总线 ${busName} 不存在，事件 ${id} 已丢弃 (as AWS does) · event bus ${busName} does not exist; event ${id} dropped`,
        );
      }
    }
    for (const { event, bus } of accepted) {
      if (bus) this.#route(bus, event, receivedAt);
    }
    return { FailedEntryCount: results.filter((r) => r.ErrorCode !== undefined).length, Entries: results };
  }

  /** TestEventPattern: whether `event` (JSON text) matches `pattern` (JSON text), with AWS's errors. */
  testEventPattern(pattern: string, event: string): boolean {
    const matched = testEventPattern(pattern, event);
    const parsed = JSON.parse(event) as Record<string, unknown>;
    // AWS requires these envelope fields in the test event (recorded: ValidationException otherwise).
    for (const field of ['id', 'account', 'source', 'time', 'region', 'detail-type']) {
      if (!Object.hasOwn(parsed, field)) {
        throw new EventBridgeRequestError('ValidationException', 'Parameter Event is not valid.');
      }
    }
    return matched;
  }

  /** Fires a scheduled rule now, as its schedule would: a `Scheduled Event` from `aws.events`. */
  fireScheduledRule(name: string, busName?: string): EventBridgeEvent {
    const bus = this.#bus(busNameOf(busName));
    const rule = bus.rules.get(name);
    if (!rule) {
      throw new EventBridgeRequestError(
        'ResourceNotFoundException',
        `Rule ${name} does not exist on EventBus ${bus.name}.`,
      );
    }
    if (rule.description.schedule === undefined) {
      throw new EventBridgeRequestError('ValidationException', `Rule ${name} has no schedule expression.`);
    }
    const now = this.#clock.now();
    const event: EventBridgeEvent = {
      version: '0',
      id: this.#newId(),
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      account: this.account,
      time: envelopeTime(now),
      region: this.region,
      resources: [rule.description.arn],
      detail: {},
    };
    if (rule.description.state === 'ENABLED') {
      for (const target of rule.targets) this.#deliver(rule, target, event, now);
    }
    return event;
  }

  /** Resolves when every delivery has finished (succeeded, or failed for good), including pending retries. */
  drain(): Promise<void> {
    if (this.#pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /** Drops deliveries waiting for a retry, so that no timer outlives the bus. */
  close(): void {
    for (const cancel of this.#retries) {
      cancel();
      this.#done();
    }
    this.#retries.clear();
  }

  /** Deliveries started and not yet finished (including those waiting for a retry). */
  get pendingDeliveries(): number {
    return this.#pending;
  }

  /** Whether every delivery has finished. */
  get idle(): boolean {
    return this.#pending === 0;
  }

  // -------------------------------------------------------------------------------------------------------
  // Delivery

  #bus(name: string): Bus {
    const bus = this.#buses.get(name);
    if (!bus) {
      throw new EventBridgeRequestError('ResourceNotFoundException', `Event bus ${name} does not exist.`);
    }
    return bus;
  }

  #route(bus: Bus, event: EventBridgeEvent, receivedAt: number): void {
    for (const listener of this.#listeners) listener(event, bus.name);
    for (const rule of bus.rules.values()) {
      if (rule.description.state !== 'ENABLED' || rule.compiled === undefined) continue;
      if (!matchesEventPattern(rule.compiled, event)) continue;
      for (const target of rule.targets) this.#deliver(rule, target, event, receivedAt);
    }
  }

  #deliver(rule: Rule, target: RuleTarget, event: EventBridgeEvent, receivedAt: number): void {
    const context: DeliveryContext = {
      ruleArn: rule.description.arn,
      ruleName: rule.description.name,
      ingestionTime: envelopeTime(receivedAt),
    };
    const failure = (errorCode: string, errorMessage: string, attempts: number): DeliveryFailure => ({
      event,
      ruleArn: rule.description.arn,
      ruleName: rule.description.name,
      targetId: target.id,
      targetArn: target.arn,
      errorCode,
      errorMessage,
      attempts,
    });
    this.#pending += 1;
    let input: string;
    try {
      input = targetInput(event, target, context);
    } catch (error) {
      // Not retried: the same event would render the same way.
      const message = error instanceof Error ? error.message : String(error);
      const code = error instanceof InputTransformationError ? 'InputTransformationFailed' : 'InternalError';
      queueMicrotask(() => void this.#deadLetter(target, failure(code, message, 0)));
      return;
    }
    const details: DeliveryDetails = {
      event,
      ruleArn: rule.description.arn,
      ruleName: rule.description.name,
      targetId: target.id,
    };
    const maxRetries = target.retryPolicy?.maximumRetryAttempts ?? DEFAULT_RETRY_ATTEMPTS;
    const maxAgeMs = (target.retryPolicy?.maximumEventAgeInSeconds ?? DEFAULT_EVENT_AGE_SECONDS) * 1000;
    const attempt = async (number: number): Promise<void> => {
      try {
        await target.deliver(input, details);
        this.#done();
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        const delay = Math.min(MAX_RETRY_DELAY_MS, FIRST_RETRY_DELAY_MS * 2 ** (number - 1));
        if (number > maxRetries || this.#clock.now() + delay - receivedAt > maxAgeMs) {
          const code = number > maxRetries ? 'RetriesExhausted' : 'EventAgeExceeded';
          await this.#deadLetter(target, failure(code, message, number));
          return;
        }
        const cancel = this.#clock.setTimeout(() => {
          this.#retries.delete(cancel);
          void attempt(number + 1);
        }, delay);
        this.#retries.add(cancel);
      }
    };
    // Delivery happens after PutEvents has answered, as on AWS.
    queueMicrotask(() => void attempt(1));
  }

  async #deadLetter(target: RuleTarget, failure: DeliveryFailure): Promise<void> {
    try {
      if (target.deadLetter) await target.deadLetter(failure);
      else this.#onDeliveryFailure(failure);
    } catch (error) {
      this.#log(
        `EventBridge: dead letter for ${failure.ruleName}/${failure.targetId} failed: ${String(error)}`,
      );
    } finally {
      this.#done();
    }
  }

  #done(): void {
    this.#pending -= 1;
    if (this.#pending === 0) {
      const waiters = this.#idleWaiters;
      this.#idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }
}

/** AWS's per-entry answer for an entry it refuses, or undefined when the entry is acceptable. */
function entryProblem(entry: PutEventsRequestEntry): PutEventsResultEntry | undefined {
  for (const field of ['Source', 'DetailType', 'Detail'] as const) {
    if (!entry[field]) {
      return {
        ErrorCode: 'InvalidArgument',
        ErrorMessage: `Parameter ${field} is not valid. Reason: ${field} is a required argument.`,
      };
    }
  }
  let detail: unknown;
  try {
    detail = JSON.parse(entry.Detail!);
  } catch {
    detail = undefined;
  }
  if (typeof detail !== 'object' || detail === null || Array.isArray(detail)) {
    return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
  }
  return undefined;
}

/** An entry as AWS prints it in validation messages (Java's toString of the request entry). */
function describeEntry(entry: PutEventsRequestEntry): string {
  const text = (value: unknown) => (value === undefined ? 'null' : String(value));
  const time = entry.Time === undefined ? 'null' : new Date(entry.Time).toISOString();
  const resources = entry.Resources === undefined ? 'null' : `[${entry.Resources.join(', ')}]`;
  return `PutEventsRequestEntry(time=${time}, source=${text(entry.Source)}, resources=${resources}, detailType=${text(entry.DetailType)}, detail=${text(entry.Detail)}, eventBusName=${text(entry.EventBusName)}, traceHeader=${text(entry.TraceHeader)}, kmsKeyIdentifier=null, internalMetadata=null)`;
}
