import { Global, Injectable, Module } from '@nestjs/common';

/**
 * The time, for code whose behaviour depends on it (one-time codes, challenge expiry). Injected by
 * this class as its token, so a test can provide a clock it moves instead of sleeping.
 */
export abstract class Clock {
  abstract now(): Date;
}

@Injectable()
export class SystemClock extends Clock {
  now(): Date {
    return new Date();
  }
}

/** Provides the system clock to every module. */
@Global()
@Module({
  providers: [{ provide: Clock, useClass: SystemClock }],
  exports: [Clock],
})
export class ClockModule {}
