import { Clock } from '../../../src/common/clock.js';

/** A clock that stands still until the test moves it: pass it with `createTestApp(env, { overrides: [clock.provider] })`. */
export class TestClock extends Clock {
  private time: number;

  constructor(start: Date | string) {
    super();
    this.time = new Date(start).getTime();
  }

  now(): Date {
    return new Date(this.time);
  }

  set(time: Date | string): void {
    this.time = new Date(time).getTime();
  }

  advance(ms: number): void {
    this.time += ms;
  }

  get provider(): { provide: typeof Clock; useValue: Clock } {
    return { provide: Clock, useValue: this };
  }
}
