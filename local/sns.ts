// An SNS topic on one machine: every message is shown on the console under a clear header and appended to a
// file a leader can read (`.rankwatch/alerts.log` by default), and each subscription (e-mail, as the template
// declares them) receives what its filter policy lets through, so routing by owner can be read back per
// subscriber. Filter policies are matched with the local EventBridge's pattern matcher over the message
// attributes (or the JSON body with scope MessageBody): SNS's filter-policy syntax is the same pattern
// language (exact strings, prefix, anything-but, numeric, exists, $or), and a String.Array attribute matches
// when any element does, as an array does in an event.

import { randomUUID } from 'node:crypto';
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { type Clock, systemClock } from './clock.ts';
import { type CompiledPattern, compileEventPattern, matchesEventPattern } from './eventbridge/pattern.ts';

export const DEFAULT_ALERTS_LOG = '.rankwatch/alerts.log';

/** A request SNS refuses. `name` is AWS's error code. */
export class SnsError extends Error {
  override readonly name = 'InvalidParameterException';
}

/** A message attribute as SNS carries it: `String`, `String.Array` (a JSON array in the string) or `Number`. */
export interface SnsMessageAttribute {
  dataType: string;
  stringValue: string;
}

export interface SnsMessage {
  messageId: string;
  topicArn: string;
  subject: string | undefined;
  message: string;
  timestamp: string;
  messageAttributes: Record<string, SnsMessageAttribute>;
}

/** A subscription of the template: where it delivers and, optionally, what its filter policy admits. */
export interface SnsSubscription {
  protocol: string;
  endpoint: string;
  /** The FilterPolicy as the template gives it (an object or its JSON). */
  filterPolicy?: object | string;
  /** `MessageAttributes` (SNS's default) or `MessageBody`. */
  filterPolicyScope?: string;
}

export interface LocalSnsTopicOptions {
  name: string;
  region?: string;
  account?: string;
  /** Where messages are appended; `false` for none. Default `.rankwatch/alerts.log` under the working directory. */
  logFile?: string | false;
  /** Where messages are shown; `false` for nowhere. Default: console.log. */
  console?: ((text: string) => void) | false;
  clock?: Clock;
  newId?: () => string;
  subscriptions?: readonly SnsSubscription[];
}

// SNS's limits: 256 KB messages (attributes included), subjects up to 100 printable characters, 10 attributes.
const MAX_MESSAGE_BYTES = 256 * 1024;
const MAX_SUBJECT_LENGTH = 100;
const MAX_ATTRIBUTES = 10;
const DATA_TYPE = /^(String|Number|Binary)(\.[A-Za-z0-9_-]+)?$/;

interface Subscriber {
  subscription: SnsSubscription;
  filter: CompiledPattern | undefined;
  messages: SnsMessage[];
}

/** The attributes as a filter policy sees them: strings, numbers, and String.Array's elements. */
function attributeValues(attributes: Record<string, SnsMessageAttribute>): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const [name, a] of Object.entries(attributes)) {
    if (a.dataType === 'Number') values[name] = Number(a.stringValue);
    else if (a.dataType === 'String.Array') {
      try {
        values[name] = JSON.parse(a.stringValue) as unknown;
      } catch {
        values[name] = a.stringValue;
      }
    } else if (a.dataType.startsWith('String')) values[name] = a.stringValue;
  }
  return values;
}

function admits(subscriber: Subscriber, message: SnsMessage): boolean {
  if (!subscriber.filter) return true;
  if (subscriber.subscription.filterPolicyScope === 'MessageBody') {
    try {
      const body: unknown = JSON.parse(message.message);
      return typeof body === 'object' && body !== null && matchesEventPattern(subscriber.filter, body);
    } catch {
      return false; // SNS: a body that is not JSON matches no MessageBody policy
    }
  }
  return matchesEventPattern(subscriber.filter, attributeValues(message.messageAttributes));
}

export class LocalSnsTopic {
  readonly name: string;
  readonly arn: string;
  /** The absolute path messages are appended to, if any. */
  readonly logFile: string | undefined;
  readonly #console: ((text: string) => void) | undefined;
  readonly #clock: Clock;
  readonly #newId: () => string;
  readonly #messages: SnsMessage[] = [];
  readonly #listeners = new Set<(message: SnsMessage) => void>();
  readonly #subscribers: Subscriber[];

  constructor(options: LocalSnsTopicOptions) {
    this.name = options.name;
    this.arn = `arn:aws:sns:${options.region ?? 'us-east-1'}:${options.account ?? '000000000000'}:${options.name}`;
    this.logFile = options.logFile === false ? undefined : resolve(options.logFile ?? DEFAULT_ALERTS_LOG);
    this.#console =
      options.console === false ? undefined : (options.console ?? ((text) => console.log(text)));
    this.#clock = options.clock ?? systemClock;
    this.#newId = options.newId ?? randomUUID;
    this.#subscribers = (options.subscriptions ?? []).map((subscription) => ({
      subscription,
      filter:
        subscription.filterPolicy === undefined ? undefined : compileEventPattern(subscription.filterPolicy),
      messages: [],
    }));
  }

  /** Publish: shows the message, appends it to the file, delivers it to the subscriptions it matches. */
  publish(input: {
    message: string;
    subject?: string;
    messageAttributes?: Record<string, SnsMessageAttribute>;
  }): { messageId: string } {
    if (input.message.length === 0) throw new SnsError('Invalid parameter: Empty message');
    const attributes = input.messageAttributes ?? {};
    const attributeBytes = Object.entries(attributes).reduce(
      (n, [name, a]) =>
        n + Buffer.byteLength(name) + Buffer.byteLength(a.dataType) + Buffer.byteLength(a.stringValue),
      0,
    );
    if (Buffer.byteLength(input.message) + attributeBytes > MAX_MESSAGE_BYTES) {
      throw new SnsError('Invalid parameter: Message too long');
    }
    if (Object.keys(attributes).length > MAX_ATTRIBUTES) {
      throw new SnsError(
        `Invalid parameter: Number of message attributes [${Object.keys(attributes).length}] exceeds the allowed maximum [${MAX_ATTRIBUTES}].`,
      );
    }
    for (const [name, a] of Object.entries(attributes)) {
      if (!DATA_TYPE.test(a.dataType) || a.stringValue.length === 0)
        throw new SnsError(
          `Invalid parameter: MessageAttributes: the message attribute '${name}' has an invalid type or an empty value`,
        );
      if (a.dataType === 'Number' && !Number.isFinite(Number(a.stringValue)))
        throw new SnsError(
          `Invalid parameter: MessageAttributes: the message attribute '${name}' with type 'Number' has an invalid value`,
        );
    }
    if (
      input.subject !== undefined &&
      (input.subject.length === 0 || input.subject.length > MAX_SUBJECT_LENGTH)
    ) {
      throw new SnsError('Invalid parameter: Subject');
    }
    const message: SnsMessage = {
      messageId: this.#newId(),
      topicArn: this.arn,
      subject: input.subject,
      message: input.message,
      timestamp: new Date(this.#clock.now()).toISOString(),
      messageAttributes: attributes,
    };
    this.#messages.push(message);
    for (const subscriber of this.#subscribers)
      if (admits(subscriber, message)) subscriber.messages.push(message);
    const text = formatSnsMessage(this.name, message);
    this.#console?.(text);
    if (this.logFile !== undefined) {
      mkdirSync(dirname(this.logFile), { recursive: true });
      appendFileSync(this.logFile, `${text}\n\n`, 'utf8');
    }
    for (const listener of this.#listeners) listener(message);
    return { messageId: message.messageId };
  }

  /** Every message published so far, oldest first. */
  messages(): SnsMessage[] {
    return [...this.#messages];
  }

  /** The subscriptions, each with what its filter policy let through, oldest first. */
  subscriptions(): { subscription: SnsSubscription; messages: SnsMessage[] }[] {
    return this.#subscribers.map((s) => ({ subscription: s.subscription, messages: [...s.messages] }));
  }

  /** What the subscriptions with this endpoint (an e-mail address) received, oldest first. */
  deliveredTo(endpoint: string): SnsMessage[] {
    return this.#subscribers.filter((s) => s.subscription.endpoint === endpoint).flatMap((s) => s.messages);
  }

  /** Called with each message as it is published. Returns an unsubscribe. */
  subscribe(listener: (message: SnsMessage) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}

/**
 * A message as a leader reads it: a header with topic and time, the subject, then the body. A JSON object
 * is indented; a JSON string (what a quoted input template such as CDK's `RuleTargetInput.fromText`
 * delivers, quotes and `\n` escapes included) is shown decoded. `messages()` keeps the text as delivered.
 */
export function formatSnsMessage(topicName: string, message: SnsMessage): string {
  let body = message.message;
  try {
    const parsed: unknown = JSON.parse(body);
    if (typeof parsed === 'string') body = parsed;
    else if (typeof parsed === 'object' && parsed !== null) body = JSON.stringify(parsed, null, 2);
  } catch {
    // Not JSON: shown as sent.
  }
  const lines = [
    `┌─ 领导通知 SNS notification · ${topicName} · ${message.timestamp}`,
    ...(message.subject === undefined ? [] : [`│ 主题 Subject: ${message.subject}`]),
    ...(Object.keys(message.messageAttributes).length === 0
      ? []
      : [
          `│ 属性 Attributes: ${Object.entries(message.messageAttributes)
            .map(([name, a]) => `${name}=${a.stringValue}`)
            .join(' · ')}`,
        ]),
    ...body.split('\n').map((line) => `│ ${line}`),
    `└─ 消息 Message ${message.messageId}`,
  ];
  return lines.join('\n');
}
