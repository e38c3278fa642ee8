import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { captureException, flush, getContext, log, type RequestContext } from '../../src/index.js';

/**
 * replaylink for Nest providers: the current request's context, manual capture and
 * forwarded logs. Flushes queued events on shutdown (`app.enableShutdownHooks()`).
 *
 * @example
 * constructor(@Inject(ReplayLinkService) private readonly replaylink: ReplayLinkService) {}
 * this.replaylink.log('order placed', { level: 'info' });
 */
@Injectable()
export class ReplayLinkService implements OnApplicationShutdown {
  /** The current request's context, or undefined outside a request. */
  context(): RequestContext | undefined {
    return getContext();
  }

  /** Forwards an error with the current request's ids; see `captureException`. */
  captureException(error: unknown, extra?: Record<string, unknown>): boolean {
    return captureException(error, extra);
  }

  /** Forwards a log line with the current request's ids; see `log`. */
  log(...args: Parameters<typeof log>): ReturnType<typeof log> {
    return log(...args);
  }

  async onApplicationShutdown(): Promise<void> {
    await flush();
  }
}
