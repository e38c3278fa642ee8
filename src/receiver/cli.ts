#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { VERSION } from '../core/version.js';
import { isLoopback } from './loopback.js';
import { startReceiver } from './server.js';

const USAGE = `usage: replaylink receiver [--port 4318] [--host 127.0.0.1] [--api-key-file FILE]
                          [--api-key KEY] [--max-bytes 67108864]
       replaylink --version

  receiver   run a local fullstack send API: accepts events, prints them, shows them
             live on a page at http://HOST:PORT/ and lists them at GET /events.
             Every route needs "Authorization: Bearer KEY" (the page asks for it).

  --port       port to listen on (0 for any free one). Default 4318.
  --host       address to bind. Default 127.0.0.1.
  --api-key-file  a file holding the key senders and the page must present.
  --api-key    the key itself; other local users can read it in the process list, so
               prefer the file or $REPLAYLINK_RECEIVER_KEY. Default $REPLAYLINK_RECEIVER_KEY,
               then $REPLAYLINK_API_KEY; on a loopback host only, "local-dev-key" when
               none is set.
  --max-bytes  bytes of events kept; the oldest are dropped (and counted) past it, and
               a larger event is refused with 413.
  --version    print the version.`;

const DEV_KEY = 'local-dev-key';

/** The key from the file, the flag or the environment, in that order; an error message. */
function keyOf(file: string | undefined, flag: string | undefined): string | undefined | Error {
  if (file !== undefined) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      return new Error(`cannot read --api-key-file: ${(error as Error).message}`);
    }
    const key = text.replace(/\r?\n$/, '');
    if (key === '' || /[\r\n]/.test(key))
      return new Error('--api-key-file must hold the key on one line');
    return key;
  }
  return flag || process.env.REPLAYLINK_RECEIVER_KEY || process.env.REPLAYLINK_API_KEY || undefined;
}

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      port: { type: 'string', default: '4318' },
      host: { type: 'string', default: '127.0.0.1' },
      'api-key': { type: 'string' },
      'api-key-file': { type: 'string' },
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
  if (values['api-key'] !== undefined && values['api-key-file'] !== undefined) {
    process.stderr.write('replaylink: pass --api-key or --api-key-file, not both\n');
    return 2;
  }
  let apiKey = keyOf(values['api-key-file'], values['api-key']);
  if (apiKey instanceof Error) {
    process.stderr.write(`replaylink: ${apiKey.message}\n`);
    return 2;
  }
  if (values['api-key'])
    process.stderr.write(
      'replaylink: note: --api-key is visible to every local user in the process list; ' +
        'REPLAYLINK_RECEIVER_KEY or --api-key-file keep it private\n',
    );
  if (apiKey === undefined) {
    if (!isLoopback(host)) {
      process.stderr.write(
        `replaylink: refusing to listen on ${host} with the public default key; ` +
          'set REPLAYLINK_RECEIVER_KEY or pass --api-key-file FILE, or bind to 127.0.0.1\n',
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
