import { ExceptionsHandler } from '@nestjs/core/exceptions/exceptions-handler.js';
import { type ExceptionsHandlerProto, observeExceptions } from './observe.js';

export { observeExceptionsOf } from './observe.js';

/** Observes Nest's exception handling for the requests the module marks; see `observeExceptions`. */
export function installExceptionObserver(): void {
  observeExceptions(ExceptionsHandler.prototype as unknown as ExceptionsHandlerProto);
}
