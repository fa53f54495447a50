import type { INestApplication, LoggerService } from '@nestjs/common';

/** Keeps what the app logs (every level), so tests can check that a failure was reported. */
export class LogCapture implements LoggerService {
  readonly lines: string[] = [];

  static attach(app: INestApplication): LogCapture {
    const capture = new LogCapture();
    app.useLogger(capture);
    return capture;
  }

  log(message: unknown, context?: string): void {
    this.add('log', message, context);
  }
  error(message: unknown, ...rest: unknown[]): void {
    this.add('error', message, rest.at(-1));
  }
  warn(message: unknown, context?: string): void {
    this.add('warn', message, context);
  }
  debug(message: unknown, context?: string): void {
    this.add('debug', message, context);
  }
  verbose(message: unknown, context?: string): void {
    this.add('verbose', message, context);
  }
  fatal(message: unknown, context?: string): void {
    this.add('fatal', message, context);
  }

  private add(level: string, message: unknown, context: unknown): void {
    const where = typeof context === 'string' ? context : '';
    this.lines.push(`${level} [${where}] ${typeof message === 'string' ? message : JSON.stringify(message)}`);
  }
}
