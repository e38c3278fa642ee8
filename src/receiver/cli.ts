#!/usr/bin/env node
import { isIP } from 'node:net';
import { parseArgs } from 'node:util';
import { VERSION } from '../core/version.js';
import { startReceiver } from './server.js';

const USAGE = `usage: replaylink receiver [--port 4318] [--host 127.0.0.1] [--api-key KEY]
                          [--max-bytes 67108864]
       replaylink --version

  receiver   run a local fullstack send API: accepts events, prints them, shows them
             live on a page at http://HOST:PORT/ and lists them at GET /events.
             Every route needs "Authorization: Bearer KEY" (the page asks for it).

  --port       port to listen on (0 for any free one). Default 4318.
  --host       address to bind. Default 127.0.0.1.
  --api-key    the key senders and the page must present. Default $REPLAYLINK_API_KEY;
               on a loopback host only, "local-dev-key" when neither is set.
  --max-bytes  bytes of events kept; the oldest are dropped (and counted) past it.
  --version    print the version.`;

const DEV_KEY = 'local-dev-key';

/** Whether `host` only accepts connections from this machine. */
function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (bare === 'localhost') return true;
  if (isIP(bare) === 4) return bare.startsWith('127.');
  return bare === '::1' || bare.startsWith('::ffff:127.');
}

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      port: { type: 'string', default: '4318' },
      host: { type: 'string', default: '127.0.0.1' },
      'api-key': { type: 'string' },
      'max-bytes': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean', short: 'v' },
    },
  });
  if (values.version) {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  if (values.help || positionals[0] !== 'receiver') {
    process.stdout.write(`${USAGE}\n`);
    return values.help ? 0 : 2;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write('replaylink: --port must be an integer from 0 to 65535\n');
    return 2;
  }
  const maxBytes = values['max-bytes'] === undefined ? undefined : Number(values['max-bytes']);
  if (maxBytes !== undefined && (!Number.isSafeInteger(maxBytes) || maxBytes < 1)) {
    process.stderr.write('replaylink: --max-bytes must be a positive integer\n');
    return 2;
  }
  const host = values.host;
  let apiKey = values['api-key'] || process.env.REPLAYLINK_API_KEY || undefined;
  if (apiKey === undefined) {
    if (!isLoopback(host)) {
      process.stderr.write(
        `replaylink: refusing to listen on ${host} with the public default key; ` +
          'pass --api-key KEY (or set REPLAYLINK_API_KEY), or bind to 127.0.0.1\n',
      );
      return 2;
    }
    apiKey = DEV_KEY;
  }
  const receiver = await startReceiver(
    maxBytes === undefined ? { apiKey } : { apiKey, maxBytes },
    port,
    host,
  );
  process.stdout.write(
    `replaylink receiver listening\n  page:   ${receiver.base}/\n  send:   POST ${receiver.url}\n` +
      `  events: GET ${receiver.base}/events\n` +
      (apiKey === DEV_KEY
        ? `  key:    ${DEV_KEY} (the default; set --api-key to change it)\n`
        : ''),
  );
  const stop = () => {
    void receiver.close().then(() => {
      process.stdout.write('replaylink receiver stopped\n');
      process.exit(0);
    });
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return -1;
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`replaylink: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
