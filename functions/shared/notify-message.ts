// What the notify function publishes for an alert event: an SNS message readable as a plain-text e-mail
// (Chinese first, then English, then where it comes from), a short bilingual subject, and the message
// attributes the subscriptions filter on — `owner` (the department owning the indicator, or the department
// reminded) routes to that department's subscriptions; leaders' subscriptions have no filter and receive all.
import {
  type AlertEscalatedEvent,
  alertEscalated,
  describeZodIssues,
  type RankingSlippedEvent,
  type ReminderWeeklyEvent,
  rankingSlipped,
  reminderWeekly,
} from '../../events/index.ts';
import type { SnsMessageAttribute } from './aws/sns.ts';

/** Environment variable naming the topic the notify function publishes to. */
export const NOTIFY_TOPIC_ENV = 'NOTIFY_TOPIC_ARN';

/** The events the notify function is subscribed to, in its rule's pattern. */
export const NOTIFIED_CONTRACTS = [rankingSlipped, alertEscalated, reminderWeekly] as const;

export type NotifyKind = 'slipped' | 'escalated' | 'reminder';

export interface NotifyMessage {
  kind: NotifyKind;
  subject: string;
  message: string;
  attributes: Record<string, SnsMessageAttribute>;
}

/** An event the notify function cannot turn into a message; `reasons` name the fields. */
export class NotifyInputError extends Error {
  readonly reasons: string[];

  constructor(reasons: string[]) {
    super(`不是可通知的事件 / not an event to notify: ${reasons.join('; ')}`);
    this.name = 'NotifyInputError';
    this.reasons = reasons;
  }
}

// SNS: a subject is at most 100 characters, with no line breaks or control characters.
const SUBJECT_MAX = 100;
const subjectOf = (text: string) => {
  const clean = text.replace(/\p{Cc}/gu, ' ');
  return [...clean].length <= SUBJECT_MAX ? clean : `${[...clean].slice(0, SUBJECT_MAX - 1).join('')}…`;
};

const string = (value: string): SnsMessageAttribute => ({ DataType: 'String', StringValue: value });

/** Between the Chinese text, the English text and the footer of a message (a line a mail client shows as is). */
export const PART_SEPARATOR = '\n\n---\n';

function body(zh: string, en: string, footer: string): string {
  return `${zh}${PART_SEPARATOR}\n${en}${PART_SEPARATOR}rankwatch · ${footer}`;
}

function parse<E>(contract: (typeof NOTIFIED_CONTRACTS)[number], event: unknown): E {
  const result = contract.envelope.safeParse(event);
  if (result.success) return result.data as E;
  throw new NotifyInputError(
    describeZodIssues(result.error, { input: event }).map(
      (r) => `${r.path}: ${r.message.zh} / ${r.message.en}`,
    ),
  );
}

/** The SNS message for one Ranking.Slipped, Alert.Escalated or Reminder.Weekly event, checked against its contract. */
export function notifyMessage(event: unknown): NotifyMessage {
  const detailType =
    typeof event === 'object' && event !== null
      ? (event as Record<string, unknown>)['detail-type']
      : undefined;
  switch (detailType) {
    case rankingSlipped.detailType: {
      const { detail: d } = parse<RankingSlippedEvent>(rankingSlipped, event);
      return {
        kind: 'slipped',
        subject: subjectOf(
          `【排名下滑】${d.entity} · ${d.period} / Ranking slipped: ${d.entity} ${d.period}`,
        ),
        message: body(d.message.zh, d.message.en, `${d.scheme} · ${d.notificationId ?? d.alertKey}`),
        attributes: {
          kind: string('slipped'),
          scheme: string(d.scheme),
          period: string(d.period),
          entity: string(d.entity),
          alertKey: string(d.alertKey),
          severity: string(d.severity),
          ...(d.owner === undefined ? {} : { owner: string(d.owner) }),
        },
      };
    }
    case alertEscalated.detailType: {
      const { detail: d } = parse<AlertEscalatedEvent>(alertEscalated, event);
      return {
        kind: 'escalated',
        subject: subjectOf(
          `【提级 L${d.level}】${d.entity} · ${d.period} / Escalated to level ${d.level}: ${d.entity} ${d.period}`,
        ),
        message: body(d.message.zh, d.message.en, `${d.scheme} · ${d.notificationId ?? d.alertKey}`),
        attributes: {
          kind: string('escalated'),
          scheme: string(d.scheme),
          period: string(d.period),
          entity: string(d.entity),
          alertKey: string(d.alertKey),
          severity: string(d.severity),
          level: { DataType: 'Number', StringValue: String(d.level) },
          ...(d.owner === undefined ? {} : { owner: string(d.owner) }),
        },
      };
    }
    case reminderWeekly.detailType: {
      const { detail: d } = parse<ReminderWeeklyEvent>(reminderWeekly, event);
      return {
        kind: 'reminder',
        subject: subjectOf(`【周提醒】${d.owner} · ${d.week} / Weekly reminder: ${d.owner} ${d.week}`),
        message: body(d.message.zh, d.message.en, `${d.scheme} · ${d.owner} · ${d.week}`),
        attributes: { kind: string('reminder'), scheme: string(d.scheme), owner: string(d.owner) },
      };
    }
    default:
      throw new NotifyInputError([
        `detail-type: ${JSON.stringify(detailType)} 不在通知之列 / is not one of ${NOTIFIED_CONTRACTS.map((c) => c.detailType).join(', ')}`,
      ]);
  }
}
