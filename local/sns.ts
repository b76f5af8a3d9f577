// The leaders' SNS topic on one machine: every message is shown on the console under a clear header and
// appended to a file a leader can read (`.rankwatch/alerts.log` by default).

import { randomUUID } from 'node:crypto';
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { type Clock, systemClock } from './clock.ts';

export const DEFAULT_ALERTS_LOG = '.rankwatch/alerts.log';

/** A request SNS refuses. `name` is AWS's error code. */
export class SnsError extends Error {
  override readonly name = 'InvalidParameterException';
}

export interface SnsMessage {
  messageId: string;
  topicArn: string;
  subject: string | undefined;
  message: string;
  timestamp: string;
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
}

// SNS's limits: 256 KB messages, subjects up to 100 printable characters.
const MAX_MESSAGE_BYTES = 256 * 1024;
const MAX_SUBJECT_LENGTH = 100;

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

  constructor(options: LocalSnsTopicOptions) {
    this.name = options.name;
    this.arn = `arn:aws:sns:${options.region ?? 'us-east-1'}:${options.account ?? '000000000000'}:${options.name}`;
    this.logFile = options.logFile === false ? undefined : resolve(options.logFile ?? DEFAULT_ALERTS_LOG);
    this.#console =
      options.console === false ? undefined : (options.console ?? ((text) => console.log(text)));
    this.#clock = options.clock ?? systemClock;
    this.#newId = options.newId ?? randomUUID;
  }

  /** Publish: shows the message, appends it to the file, and tells subscribers. */
  publish(input: { message: string; subject?: string }): { messageId: string } {
    if (input.message.length === 0) throw new SnsError('Invalid parameter: Empty message');
    if (Buffer.byteLength(input.message) > MAX_MESSAGE_BYTES) {
      throw new SnsError('Invalid parameter: Message too long');
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
    };
    this.#messages.push(message);
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
    ...body.split('\n').map((line) => `│ ${line}`),
    `└─ 消息 Message ${message.messageId}`,
  ];
  return lines.join('\n');
}
