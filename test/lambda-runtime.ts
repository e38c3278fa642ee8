// A local stand-in for the Lambda Runtime API (the routes aws-lambda-ric calls), and a
// function process run by the real aws-lambda-ric against it, with its log output decoded
// into the events CloudWatch would store: one per telemetry frame, or one per stdout line.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { installedProject } from './services.js';

const PREFIX = '/2018-06-01/runtime';
const RIC_VERSION = '4.0.2';
/** The runtime client's entry point, once `prepareRic()` has it. */
let ric: string | undefined;

/**
 * Makes the real runtime client ready, or says why the Lambda runtime tests are skipped.
 * It is not a devDependency: its install builds curl and a native addon with cmake and a
 * C++ compiler, which a machine with only Node.js and npm may lack, and that would fail
 * `npm ci` for everything else. So it is installed on first use into the temp dir (aside,
 * then moved in whole); with `REPLAYLINK_REQUIRE_LAMBDA_RIC=1` a failed install throws.
 */
export async function prepareRic(): Promise<string | false> {
  const major = Number(process.versions.node.split('.')[0]);
  if (major < 22)
    return `aws-lambda-ric needs Node.js 22 or later (this is ${process.version}): Lambda runtime tests skipped`;
  let dir: string;
  try {
    dir = await installedProject(
      `replaylink-aws-lambda-ric-${RIC_VERSION}`,
      [`aws-lambda-ric@${RIC_VERSION}`],
      { allowScripts: { 'aws-lambda-ric': true } },
    );
  } catch (error) {
    const why = `aws-lambda-ric ${RIC_VERSION} could not be installed (its install builds a native client with cmake and a C++ compiler)`;
    if (process.env.REPLAYLINK_REQUIRE_LAMBDA_RIC === '1')
      throw new Error(`${why}, and REPLAYLINK_REQUIRE_LAMBDA_RIC=1 requires it`, {
        cause: error,
      });
    return `${why}: Lambda runtime tests skipped`;
  }
  ric = path.join(dir, 'node_modules', 'aws-lambda-ric', 'index.mjs');
  return false;
}

export interface Outcome {
  readonly requestId: string;
  readonly kind: 'response' | 'error';
  readonly body: string;
}

interface Pending {
  requestId: string;
  event: unknown;
  deadlineMs: number;
  done: (outcome: Outcome) => void;
}

/** The Runtime API: hands out queued invocations and collects their outcomes. */
export interface RuntimeApi {
  readonly address: string;
  /** Queues one invocation; resolves with what the function posted back. */
  invoke(event: unknown, options?: { timeoutMs?: number }): Promise<Outcome>;
  /** Called when an outcome arrives, before the function is answered (to freeze it there). */
  onOutcome: ((outcome: Outcome) => void) | undefined;
  readonly initErrors: string[];
  close(): Promise<void>;
}

async function bodyOf(req: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startRuntimeApi(): Promise<RuntimeApi> {
  const queue: Pending[] = [];
  const waiting: http.ServerResponse[] = [];
  const inFlight = new Map<string, Pending>();
  const initErrors: string[] = [];

  const deliver = () => {
    while (queue.length > 0 && waiting.length > 0) {
      const next = queue.shift()!;
      const res = waiting.shift()!;
      inFlight.set(next.requestId, next);
      res.writeHead(200, {
        'content-type': 'application/json',
        'lambda-runtime-aws-request-id': next.requestId,
        'lambda-runtime-deadline-ms': String(next.deadlineMs),
        'lambda-runtime-invoked-function-arn':
          'arn:aws:lambda:us-east-1:123456789012:function:replaylink-test',
        'lambda-runtime-trace-id': 'Root=1-5e1b4151-5ac6c58f5b5dbd6a2d4e5f6a;Sampled=0',
      });
      res.end(JSON.stringify(next.event));
    }
  };

  const api: RuntimeApi = {
    address: '',
    onOutcome: undefined,
    initErrors,
    invoke(event, options = {}) {
      return new Promise((done) => {
        queue.push({
          requestId: randomUUID(),
          event,
          deadlineMs: Date.now() + (options.timeoutMs ?? 30_000),
          done,
        });
        deliver();
      });
    },
    async close() {
      for (const res of waiting.splice(0)) res.destroy();
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };

  const server = http.createServer(async (req, res) => {
    const url = req.url ?? '';
    if (req.method === 'GET' && url === `${PREFIX}/invocation/next`) {
      waiting.push(res);
      // A function process that died while waiting must not be handed the next event.
      res.on('close', () => {
        const index = waiting.indexOf(res);
        if (index !== -1) waiting.splice(index, 1);
      });
      deliver();
      return;
    }
    const body = await bodyOf(req);
    const match = /^\/2018-06-01\/runtime\/invocation\/([^/]+)\/(response|error)$/.exec(url);
    if (req.method === 'POST' && match) {
      const requestId = decodeURIComponent(match[1]!);
      const pending = inFlight.get(requestId);
      inFlight.delete(requestId);
      const outcome: Outcome = { requestId, kind: match[2] as Outcome['kind'], body };
      api.onOutcome?.(outcome);
      res.writeHead(202, { 'content-type': 'application/json' }).end('{"status":"OK"}');
      pending?.done(outcome);
      return;
    }
    if (req.method === 'POST' && url === `${PREFIX}/init/error`) {
      initErrors.push(body);
      res.writeHead(202).end('{}');
      return;
    }
    res.writeHead(404).end();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  (api as { address: string }).address = `127.0.0.1:${port}`;
  return api;
}

/** How the function's logs leave it. */
export type LogMode = 'fd' | 'stdout';
export type LogFormat = 'TEXT' | 'JSON';

/** One CloudWatch log event as the function's log output becomes one. */
export interface LogEvent {
  readonly message: string;
  /** Frame type of a telemetry frame (`undefined` for stdout lines). */
  readonly frameType?: number;
}

export interface FunctionProcess {
  readonly child: ChildProcess;
  /** Every log event so far. */
  readonly events: LogEvent[];
  /** What the process wrote on stderr (the library's diagnostics). */
  stderr(): string;
  stop(): Promise<void>;
}

/** Decodes telemetry frames: type (4), length (4), µs timestamp (8), message. */
function readFrames(stream: Readable, events: LogEvent[]): void {
  let buffer = Buffer.alloc(0);
  stream.on('data', (chunk: Buffer) => {
    buffer = Buffer.concat([buffer, chunk]);
    while (buffer.length >= 16) {
      const length = buffer.readInt32BE(4);
      if (buffer.length < 16 + length) break;
      events.push({
        frameType: buffer.readUInt32BE(0),
        message: buffer.subarray(16, 16 + length).toString('utf8'),
      });
      buffer = buffer.subarray(16 + length);
    }
  });
}

/** stdout lines, as Lambda's log capture makes one event of each. */
function readLines(stream: Readable, events: LogEvent[]): void {
  let rest = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    rest += chunk;
    let newline = rest.indexOf('\n');
    while (newline !== -1) {
      events.push({ message: rest.slice(0, newline) });
      rest = rest.slice(newline + 1);
      newline = rest.indexOf('\n');
    }
  });
}

/**
 * Runs `handler` (`file.export`, in `taskRoot`) under the real aws-lambda-ric, connected to
 * `api`. In `fd` mode the logs go to a telemetry pipe (fd 3) as the managed runtime has
 * them; in `stdout` mode (container images without it) they are stdout lines.
 */
export function startFunction(options: {
  api: RuntimeApi;
  taskRoot: string;
  handler: string;
  mode: LogMode;
  format: LogFormat;
  env?: Record<string, string>;
}): FunctionProcess {
  const events: LogEvent[] = [];
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    AWS_LAMBDA_RUNTIME_API: options.api.address,
    _HANDLER: options.handler,
    LAMBDA_TASK_ROOT: options.taskRoot,
    AWS_LAMBDA_FUNCTION_NAME: 'replaylink-test',
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '128',
    AWS_LAMBDA_LOG_GROUP_NAME: '/aws/lambda/replaylink-test',
    AWS_LAMBDA_LOG_STREAM_NAME: '2026/01/01/[$LATEST]0123456789abcdef',
    AWS_LAMBDA_LOG_FORMAT: options.format,
    AWS_REGION: 'us-east-1',
    ...options.env,
  };
  if (options.mode === 'fd') env._LAMBDA_TELEMETRY_LOG_FD = '3';
  if (ric === undefined) throw new Error('prepareRic() first');
  const child = spawn(process.execPath, [ric], {
    env,
    stdio: ['ignore', 'pipe', 'pipe', options.mode === 'fd' ? 'pipe' : 'ignore'],
  });
  let stderr = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => {
    stderr += chunk;
  });
  if (options.mode === 'fd') {
    readFrames(child.stdio[3] as Readable, events);
    // Raw stdout writes still go to stdout in fd mode: one event per line as well.
    readLines(child.stdout!, events);
  } else readLines(child.stdout!, events);
  return {
    child,
    events,
    stderr: () => stderr,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGCONT');
      child.kill('SIGKILL');
      await once(child, 'exit');
    },
  };
}

/** The text of an event as OpenReplay's CloudWatch integration reads it. */
export function openReplayToken(message: string): string | undefined {
  if (!message.includes('openReplaySessionToken')) return undefined;
  if (!/exception|error/i.test(message)) return undefined;
  return /openReplaySessionToken=([0-9a-zA-Z.]+)/.exec(message)?.[1];
}
