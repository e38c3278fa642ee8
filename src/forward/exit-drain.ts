import { currentTransport } from './forward.js';
import { forwardState } from './state.js';

/**
 * Keeps the process alive for pending events once the application's own work is done,
 * for at most `shutdownTimeoutMs`. The transport's sockets are unref'd, so without this a
 * script would exit with events in flight; with it, a hung endpoint costs the bounded
 * wait and never `timeoutMs` per event. What is still pending at the deadline is given up
 * (`dropped.closed`) and its requests aborted.
 */
export function installExitDrain(): () => void {
  let deadline: NodeJS.Timeout | undefined;
  const onBeforeExit = () => {
    const transport = currentTransport();
    if (deadline !== undefined || transport === undefined || transport.pending === 0) return;
    const ms = forwardState().options.shutdownTimeoutMs;
    // Ref'd on purpose: this timer is what keeps the loop turning while events drain.
    deadline = setTimeout(() => {
      deadline = undefined;
      transport.abandon();
    }, ms);
    void transport.flush(ms).then(() => {
      clearTimeout(deadline);
      deadline = undefined;
    });
  };
  process.on('beforeExit', onBeforeExit);
  return () => {
    process.removeListener('beforeExit', onBeforeExit);
    clearTimeout(deadline);
    deadline = undefined;
  };
}
