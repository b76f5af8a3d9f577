// Time for the local runtime: the system clock in use, a manual clock in tests so that visibility timeouts,
// batching windows and retry delays of minutes run in microseconds.

/** What the emulated services read the time from and schedule their timers on. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Runs `callback` after `delayMs`; returns a function that cancels it. */
  setTimeout(callback: () => void, delayMs: number): () => void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout(callback, delayMs) {
    const timer = setTimeout(callback, Math.max(0, delayMs));
    return () => clearTimeout(timer);
  },
};

interface ManualTimer {
  readonly at: number;
  readonly order: number;
  readonly callback: () => void;
}

/** Lets pending promise chains and `setImmediate` callbacks run, so async work triggered by a timer completes. */
export async function settle(turns = 20): Promise<void> {
  for (let turn = 0; turn < turns; turn++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/**
 * A clock that only moves when told to. `advance` fires due timers in time order and lets the async work
 * each one starts settle before the next, as if that much time had passed.
 */
export class ManualClock implements Clock {
  #now: number;
  #order = 0;
  #timers: ManualTimer[] = [];

  constructor(start: Date | number = Date.UTC(2025, 0, 6)) {
    this.#now = typeof start === 'number' ? start : start.getTime();
  }

  now(): number {
    return this.#now;
  }

  setTimeout(callback: () => void, delayMs: number): () => void {
    const timer: ManualTimer = { at: this.#now + Math.max(0, delayMs), order: this.#order++, callback };
    this.#timers.push(timer);
    return () => {
      this.#timers = this.#timers.filter((t) => t !== timer);
    };
  }

  /** Timers not yet fired. */
  get pendingTimers(): number {
    return this.#timers.length;
  }

  /** Moves time forward by `ms`, firing every timer that falls due on the way (including ones they set). */
  async advance(ms: number): Promise<void> {
    const target = this.#now + ms;
    await settle();
    for (;;) {
      const next = this.#next();
      if (next === undefined || next.at > target) break;
      this.#timers = this.#timers.filter((t) => t !== next);
      this.#now = Math.max(this.#now, next.at);
      next.callback();
      await settle();
    }
    this.#now = target;
  }

  /** Sets the time (forward only), firing due timers as `advance` does. */
  async advanceTo(time: Date | number): Promise<void> {
    const at = typeof time === 'number' ? time : time.getTime();
    await this.advance(Math.max(0, at - this.#now));
  }

  #next(): ManualTimer | undefined {
    let next: ManualTimer | undefined;
    for (const timer of this.#timers) {
      if (next === undefined || timer.at < next.at || (timer.at === next.at && timer.order < next.order)) {
        next = timer;
      }
    }
    return next;
  }
}

/**
 * The system clock with its timers running `scale` times faster: batching windows, visibility timeouts and
 * retry delays keep their proportions but take 1/scale of the wall time (a scenario of many weeks replays in
 * seconds). `now()` starts at the wall time and runs `scale` times as fast from there.
 */
export class ScaledClock implements Clock {
  readonly scale: number;
  readonly #origin: number;

  constructor(scale: number) {
    if (!Number.isFinite(scale) || scale < 1) throw new RangeError(`time scale must be ≥ 1, not ${scale}`);
    this.scale = scale;
    this.#origin = Date.now();
  }

  now(): number {
    return this.#origin + (Date.now() - this.#origin) * this.scale;
  }

  setTimeout(callback: () => void, delayMs: number): () => void {
    const timer = setTimeout(callback, Math.max(0, delayMs) / this.scale);
    return () => clearTimeout(timer);
  }
}
