import type { HttpServer } from '@nestjs/common';

type RouteHandler = (req: unknown, res: unknown, next: unknown) => unknown;

/** The HTTP adapter's route registration methods, one per request method our controllers use. */
const ROUTE_METHODS = ['get', 'post', 'put', 'patch', 'delete', 'all', 'options', 'head', 'search'] as const;

/**
 * Counts route handlers still running. A client that hangs up does not stop its handler, and a
 * shutdown must not close the database under a write that is half done.
 *
 * Counted where Nest registers each route on the HTTP adapter, around the handler it registers (its
 * guards, pipes, method and answer), rather than by a global interceptor: Nest then builds no rxjs
 * pipeline per request.
 */
export class InFlightHandlers {
  private active = 0;
  private waiting: Array<() => void> = [];

  /** Call before the app registers its routes (app.init() or listen()). */
  countRoutesOf(adapter: HttpServer): void {
    const registry = adapter as unknown as Record<string, (path: string, handler: RouteHandler) => unknown>;
    for (const method of ROUTE_METHODS) {
      const register = registry[method].bind(adapter);
      registry[method] = (path, handler) => register(path, this.counted(handler));
    }
  }

  /** Resolves once no handler is running. */
  whenIdle(): Promise<void> {
    if (this.active === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private counted(handler: RouteHandler): RouteHandler {
    const counted = (req: unknown, res: unknown, next: unknown) => {
      this.active++;
      try {
        return Promise.resolve(handler(req, res, next)).finally(this.done);
      } catch (error) {
        this.done();
        throw error;
      }
    };
    // Nest's adapter reads route options (a version) off the handler, and logs its name.
    Object.defineProperty(counted, 'name', { value: handler.name });
    return Object.assign(counted, handler);
  }

  private readonly done = () => {
    this.active--;
    if (this.active === 0) for (const resolve of this.waiting.splice(0)) resolve();
  };
}
