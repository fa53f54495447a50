import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { finalize, type Observable } from 'rxjs';

/**
 * Counts route handlers still running. A client that hangs up does not stop its handler, and a
 * shutdown must not close the database under a write that is half done.
 */
@Injectable()
export class InFlightHandlers implements NestInterceptor {
  private active = 0;
  private waiting: Array<() => void> = [];

  intercept(_context: ExecutionContext, next: CallHandler): Observable<unknown> {
    this.active++;
    return next.handle().pipe(
      finalize(() => {
        this.active--;
        if (this.active === 0) for (const resolve of this.waiting.splice(0)) resolve();
      }),
    );
  }

  /** Resolves once no handler is running. */
  whenIdle(): Promise<void> {
    if (this.active === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiting.push(resolve));
  }
}
