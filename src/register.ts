import { createAccessLog } from './access-log/index.js';
import { adapterInit, installOnce } from './client.js';
import { diagnose } from './core/diagnostics.js';
import { anyRoute } from './core/routes.js';
import { state } from './core/state.js';
import { optionsFromEnvironment } from './env.js';
import { noteEscaping } from './forward/process-handlers.js';
import { createRequestScope } from './scope.js';
import { enterEveryServerRequest } from './servers.js';

/**
 * What `node --import replaylink/register` does before the application starts, callable
 * from code too: configures replaylink from the `REPLAYLINK_*` variables (a bad one is one
 * line on stderr, and is left out), and runs every request of every Node HTTP server in
 * its context, with the access log of `REPLAYLINK_ACCESS_LOG` when set. Adapters mounted
 * as well reuse that context. Safe to call more than once: a later call does nothing.
 * Returns whether this call started it (`false` when an earlier call did, or when the
 * configuration was refused).
 *
 * @example
 * import { startFromEnvironment } from 'replaylink';
 * startFromEnvironment(); // as early as possible, before the server starts
 */
export function startFromEnvironment(env: NodeJS.ProcessEnv = process.env): boolean {
  // Started already (both flags, or both builds): the variables were read and said once.
  if (state.features.has('servers')) return false;
  const { options, accessLog } = optionsFromEnvironment(env);
  try {
    adapterInit(options);
  } catch (error) {
    // Each variable was checked alone; this is a last guard so the app always starts.
    diagnose(`the REPLAYLINK_* configuration was refused: ${(error as Error).message}`, true);
    return false;
  }
  const observers = accessLog === undefined ? [] : [createAccessLog(accessLog).observer];
  const enter = createRequestScope({ observers, routeOf: anyRoute });
  // A bare listener's throw crashes the process: it is forwarded with its request.
  installOnce('servers', () => enterEveryServerRequest(enter, noteEscaping));
  return true;
}
