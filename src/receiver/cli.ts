#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { startReceiver } from './server.js';

const USAGE = `usage: replaylink receiver [--port 4318] [--host 127.0.0.1] [--api-key KEY]

  receiver   run a local fullstack send API: accepts events, prints them, and lists
             them at GET /events (?uuid= to filter). The key defaults to
             $REPLAYLINK_API_KEY, else "local-dev-key".`;

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      port: { type: 'string', default: '4318' },
      host: { type: 'string', default: '127.0.0.1' },
      'api-key': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help || positionals[0] !== 'receiver') {
    process.stdout.write(`${USAGE}\n`);
    return values.help ? 0 : 2;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write('replaylink: --port must be an integer from 0 to 65535\n');
    return 2;
  }
  const apiKey = values['api-key'] ?? process.env.REPLAYLINK_API_KEY ?? 'local-dev-key';
  const receiver = await startReceiver({ apiKey }, port, values.host);
  process.stdout.write(
    `replaylink receiver listening: POST ${receiver.url}, GET ${receiver.base}/events\n`,
  );
  const stop = () => void receiver.close().then(() => process.exit(0));
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
