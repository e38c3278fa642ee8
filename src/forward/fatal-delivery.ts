import { childProcess } from '../core/builtins.js';
import { USER_AGENT } from './send.js';

// Runs in a short-lived child: posts each body and exits. Input arrives on stdin so the
// api key never shows in a process list.
const SENDER = `
let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (d) => (input += d));
process.stdin.on('end', async () => {
  const { endpoint, headers, bodies, timeoutMs } = JSON.parse(input);
  await Promise.allSettled(bodies.map((body) =>
    fetch(endpoint, { method: 'POST', headers, body, signal: AbortSignal.timeout(timeoutMs) }).then((r) => r.arrayBuffer())));
});`;

/**
 * Delivers the last events of a process that is about to die of an uncaught exception,
 * synchronously and for at most `timeoutMs`. The event loop will not run again, so an
 * asynchronous flush is impossible; Node prints the error and exits after this returns.
 */
export function deliverBeforeExit(
  bodies: readonly string[],
  target: { endpoint: string; apiKey: string; timeoutMs: number },
): void {
  if (bodies.length === 0 || target.timeoutMs <= 0) return;
  const { NODE_OPTIONS: _ignored, ...env } = process.env;
  childProcess().spawnSync(process.execPath, ['-e', SENDER], {
    input: JSON.stringify({
      endpoint: target.endpoint,
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${target.apiKey}`,
        'user-agent': USER_AGENT,
      },
      bodies,
      timeoutMs: target.timeoutMs,
    }),
    timeout: target.timeoutMs + 500,
    stdio: ['pipe', 'ignore', 'ignore'],
    env,
    windowsHide: true,
  });
}
