// EventBridge Scheduler on one machine: each schedule of the template fires on the engine's clock (so at
// --time-scale 20 a rate(15 minutes) schedule fires every 45 real seconds and a weekly cron every 8.4 real
// hours), invoking its function asynchronously with the target's Input, as Scheduler does; `fire` runs one
// now (what `rankwatch tick` does). One difference, on purpose: locally the input also carries `at`, the
// schedule's fire time on the engine's clock, because the functions read the system clock, which a scaled
// engine clock runs ahead of; the escalate and remind functions decide at `at` when given it.
import type { Clock } from './clock.ts';
import { nextFire, parseScheduleExpression, type ScheduleExpression } from './schedule-expressions.ts';
import type { ScheduleModel } from './template.ts';

export interface LocalScheduleTarget {
  invokeAsync(event: unknown): unknown;
}

export interface ScheduleFiring {
  schedule: string;
  at: string;
  /** Fired by its expression, or by hand (tick). */
  by: 'clock' | 'tick';
}

interface Armed {
  model: ScheduleModel;
  expr: ScheduleExpression;
  target: LocalScheduleTarget;
  cancel?: () => void;
}

export class LocalScheduler {
  readonly #clock: Clock;
  readonly #startMs: number;
  readonly #armed: Armed[] = [];
  readonly #onFire: (f: ScheduleFiring) => void;
  #stopped = false;
  /** Every firing so far, oldest first. */
  readonly firings: ScheduleFiring[] = [];

  #onClock: boolean;

  /** `onClock` false: schedules fire only through `fire` (tick). */
  constructor(clock: Clock, onClock = true, onFire: (f: ScheduleFiring) => void = () => {}) {
    this.#clock = clock;
    this.#startMs = clock.now();
    this.#onClock = onClock;
    this.#onFire = onFire;
  }

  /** Parses the schedule (an error names it) and, when enabled, arms its next firing. */
  add(model: ScheduleModel, target: LocalScheduleTarget): void {
    const armed: Armed = { model, expr: parseScheduleExpression(model.name, model.expression), target };
    this.#armed.push(armed);
    if (model.state === 'ENABLED' && this.#onClock) this.#arm(armed);
  }

  /** From now on, schedules fire on the clock (nothing changes if they already do). */
  start(): void {
    if (this.#onClock || this.#stopped) return;
    this.#onClock = true;
    for (const a of this.#armed) if (a.model.state === 'ENABLED') this.#arm(a);
  }

  get firesOnClock(): boolean {
    return this.#onClock;
  }

  get schedules(): readonly ScheduleModel[] {
    return this.#armed.map((a) => a.model);
  }

  /** When each enabled schedule fires next on the engine's clock (ISO), for status and tests. */
  nextFireTimes(): Record<string, string | undefined> {
    const now = this.#clock.now();
    return Object.fromEntries(
      this.#armed.map((a) => {
        const t =
          a.model.state === 'ENABLED' ? nextFire(a.expr, now, this.#startMs, a.model.timeZone) : undefined;
        return [a.model.name, t === undefined ? undefined : new Date(t).toISOString()];
      }),
    );
  }

  /** Fires schedules now (all enabled ones, or the one named by name or logical id); returns their names. */
  fire(name?: string): string[] {
    const chosen = this.#armed.filter((a) =>
      name === undefined ? a.model.state === 'ENABLED' : a.model.name === name || a.model.logicalId === name,
    );
    for (const a of chosen) this.#invoke(a, this.#clock.now(), 'tick');
    return chosen.map((a) => a.model.name);
  }

  stop(): void {
    this.#stopped = true;
    for (const a of this.#armed) a.cancel?.();
  }

  /** Arms the next firing strictly after `after` (the last firing), so a timer a little early never fires twice. */
  #arm(a: Armed, after = this.#clock.now()): void {
    if (this.#stopped) return;
    const now = this.#clock.now();
    const next = nextFire(a.expr, Math.max(now, after), this.#startMs, a.model.timeZone);
    if (next === undefined) return;
    a.cancel = this.#clock.setTimeout(() => {
      this.#invoke(a, next, 'clock');
      this.#arm(a, next);
    }, next - now);
  }

  #invoke(a: Armed, atMs: number, by: ScheduleFiring['by']): void {
    if (this.#stopped) return;
    const at = new Date(atMs).toISOString();
    let input: unknown = {};
    if (a.model.input !== undefined) {
      try {
        input = JSON.parse(a.model.input);
      } catch {
        input = a.model.input;
      }
    }
    const event =
      input !== null && typeof input === 'object' && !Array.isArray(input) ? { ...input, at } : input;
    const firing = { schedule: a.model.name, at, by };
    this.firings.push(firing);
    this.#onFire(firing);
    a.target.invokeAsync(event);
  }
}
