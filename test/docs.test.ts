import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import MarkdownIt from 'markdown-it';
import { startReceiver } from '../src/index.js';
import { freePort, type Served, serve } from './helpers.js';
import { findService, REDIS, startRedis, stopRedis } from './services.js';

// Every fenced js/ts sample of README.md and docs/*.md runs against the built package
// (`import … from 'replaylink'` resolves through the package's self-reference, because
// the samples are written under the repository), with the real frameworks, in a child
// process with a timeout. Conventions, for whoever writes a sample:
//
// - `// → text` at the end of a line: the sample prints a line equal to `text`; `…`
//   stands for any characters. Expected lines must appear in this order.
// - ```js fragment <reason>: not a complete program (browser code, a package the project
//   does not install). Skipped, printing the reason; a fragment without one fails. Keep
//   them few.
// - ```js server [/path] [status] [forwards]: the sample listens on `process.env.PORT`;
//   the test sends `GET /path` (default /orders/7) with `X-OpenReplay-SessionToken:
//   8f2c.91ab`, as the README's curl does, checks the status (default 200) and the output,
//   then stops it with SIGTERM. With `forwards` the request also carries a
//   `br-recording-uuid`, and at least one event for it must reach the receiver.
// - ```js needs-redis: the sample gets a real redis-server as `REDIS_URL`; skipped with
//   one line when redis-server is missing (failing with REPLAYLINK_REQUIRE_REDIS=1).
// - ```js server register …: the same, started with `node --import replaylink/register`.
//
// Samples that forward events get REPLAYLINK_ENDPOINT and the api key variables pointed
// at replaylink's own receiver (src/receiver), which validates every event, so nothing
// leaves the machine.

const root = fileURLToPath(new URL('..', import.meta.url));
const scratch = path.join(root, '.scratch', `docs-${process.pid}`);
const LANGS = new Map([
  ['js', 'mjs'],
  ['javascript', 'mjs'],
  ['ts', 'ts'],
  ['typescript', 'ts'],
]);
const TOKEN = '8f2c.91ab';
const RUN_TIMEOUT_MS = 30_000;

/** Samples whose check is expected to fail on this branch, with why. */
const KNOWN_FAILURES = new Map<string, string>([]);

/** Sections a reader must find in the README; a swallowed heading fails here. */
const README_SECTIONS = [
  'Install',
  'Quick start',
  'The browser side',
  'Express',
  'Koa',
  'Fastify',
  'NestJS',
  'node:http',
  'Without code: replaylink/register',
  'WebSocket (ws)',
  'AWS Lambda',
  'Outside a framework, and background jobs',
  'Breadcrumbs',
  'pino',
  'winston',
  'Sentry and other error trackers',
  'OpenTelemetry',
  'Access log',
  'Forwarding to BugReplay',
  'Live sessions',
  'Local receiver',
  'Calls to other services',
  'More',
];

/** Relative link targets owned by other work in progress (created on their branches). */
const LINKS_ELSEWHERE = new Set<string>();

interface Sample {
  file: string;
  line: number;
  heading: string;
  ext: string;
  flags: string[];
  /** The fence's words after `fragment`: why the sample cannot run. */
  fragmentReason: string | undefined;
  code: string;
}

interface Doc {
  file: string;
  headings: Array<{ level: number; text: string }>;
  samples: Sample[];
  fences: Array<{ line: number; info: string; content: string }>;
  links: string[];
}

const markdown = new MarkdownIt();

function readDoc(file: string): Doc {
  const tokens = markdown.parse(readFileSync(path.join(root, file), 'utf8'), {});
  const doc: Doc = { file, headings: [], samples: [], fences: [], links: [] };
  let heading = '';
  tokens.forEach((token, i) => {
    if (token.type === 'heading_open') {
      heading = tokens[i + 1]!.content;
      doc.headings.push({ level: Number(token.tag.slice(1)), text: heading });
    }
    if (token.type === 'inline')
      for (const child of token.children ?? [])
        if (child.type === 'link_open' || child.type === 'image') {
          const href = child.attrGet(child.type === 'image' ? 'src' : 'href');
          if (typeof href === 'string') doc.links.push(href);
        }
    if (token.type !== 'fence') return;
    const line = (token.map?.[0] ?? 0) + 1;
    doc.fences.push({ line, info: token.info, content: token.content });
    const [lang = '', ...flags] = token.info.trim().split(/\s+/);
    const ext = LANGS.get(lang);
    const fragmentReason = flags.includes('fragment')
      ? flags.slice(flags.indexOf('fragment') + 1).join(' ')
      : undefined;
    if (ext)
      doc.samples.push({ file, line, heading, ext, flags, fragmentReason, code: token.content });
  });
  return doc;
}

const files = [
  'README.md',
  ...readdirSync(path.join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => `docs/${f}`),
];
const docs = files.map(readDoc);

/** `// → text` comments, as anchored patterns where `…` is a wildcard. */
function expectations(code: string): RegExp[] {
  return [...code.matchAll(/\/\/ → (.*)$/gm)].map((m) => {
    const parts = m[1]!.trimEnd().split('…');
    return new RegExp(`^${parts.map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  });
}

/** Which expected lines are missing from `output`, matched in order. */
function missing(output: string, expected: RegExp[]): RegExp[] {
  const lines = output.split('\n').map((l) => l.trimEnd());
  let at = 0;
  for (const [i, pattern] of expected.entries()) {
    const found = lines.findIndex((l, j) => j >= at && pattern.test(l));
    if (found === -1) return expected.slice(i);
    at = found + 1;
  }
  return [];
}

async function waitForPort(port: number, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + RUN_TIMEOUT_MS;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`exited with ${child.exitCode} before listening`);
    const up = await new Promise<boolean>((resolve) => {
      const req = http.get({ host: '127.0.0.1', port, path: '/__probe' }, (res) => {
        res.resume();
        resolve(true);
      });
      req.on('error', () => resolve(false));
    });
    if (up) return;
    if (Date.now() > deadline) throw new Error(`nothing listened on ${port}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function get(port: number, urlPath: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get(
      {
        host: '127.0.0.1',
        port,
        path: urlPath,
        headers: { 'X-OpenReplay-SessionToken': TOKEN, ...headers },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
  });
}

// The send API: replaylink's receiver, which refuses malformed events (400).
let receiver: Awaited<ReturnType<typeof startReceiver>>;
// A stand-in for Sentry's ingest endpoint only (SENTRY_DSN).
let sentry: Served;
const redisServer = findService(REDIS);
let redis: { url: string; process: ChildProcess } | undefined;

/** A redis-server on a free port, started for the first sample that needs it. */
async function redisUrl(): Promise<string> {
  if (redis) return redis.url;
  const port = await freePort();
  const child = await startRedis(redisServer.command!, port);
  redis = { url: `redis://127.0.0.1:${port}`, process: child };
  return redis.url;
}

async function runSample(sample: Sample): Promise<void> {
  const name = `${path.basename(sample.file, '.md')}-${sample.line}.${sample.ext}`;
  const file = path.join(scratch, name);
  writeFileSync(file, sample.code);
  const server = sample.flags.includes('server');
  const port = await freePort();
  const args = sample.ext === 'ts' ? ['--import', 'tsx', file] : [file];
  if (sample.flags.includes('register')) args.unshift('--import', 'replaylink/register');
  const child = spawn(process.execPath, args, {
    cwd: scratch,
    env: {
      ...process.env,
      PORT: String(port),
      REPLAYLINK_ENDPOINT: receiver.url,
      REPLAYLINK_API_KEY: 'docs-key',
      BUGREPLAY_API_KEY: 'docs-key',
      ASSIST_API_KEY: 'docs-assist-key',
      SENTRY_DSN: `http://public@127.0.0.1:${sentry.port}/1`,
      ...(sample.flags.includes('needs-redis') ? { REDIS_URL: await redisUrl() } : {}),
      NODE_OPTIONS: '',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d));
  child.stderr!.on('data', (d: Buffer) => (output += d));
  const expected = expectations(sample.code);
  const exited = once(child, 'exit');
  const timer = setTimeout(() => child.kill('SIGKILL'), RUN_TIMEOUT_MS);
  try {
    if (server) {
      await waitForPort(port, child).catch((error: Error) => {
        throw new Error(`${error.message}; the sample printed:\n${output}`);
      });
      const urlPath = sample.flags.find((f) => f.startsWith('/')) ?? '/orders/7';
      const status = Number(sample.flags.find((f) => /^\d{3}$/.test(f)) ?? 200);
      const recording = `docs-${path.basename(sample.file, '.md')}-${sample.line}`;
      const forwards = sample.flags.includes('forwards');
      const got = await get(port, urlPath, forwards ? { 'br-recording-uuid': recording } : {});
      assert.equal(got, status, `GET ${urlPath}; the sample printed:\n${output}`);
      const arrived = () => receiver.events.some((event) => event.uuid === recording);
      // Lines and events may follow the response: wait for them, at most 5 s.
      for (let waited = 0; waited < 5000; waited += 50) {
        if (missing(output, expected).length === 0 && (!forwards || arrived())) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      if (forwards)
        assert.ok(arrived(), `no event for ${recording} reached the receiver:\n${output}`);
      child.kill('SIGTERM');
      const [code] = await exited;
      // A sample that handles SIGTERM itself must end cleanly.
      if (/process\.on\('SIGTERM'/.test(sample.code)) assert.equal(code, 0, output);
    } else {
      const [code, signal] = await exited;
      assert.equal(signal, null, `killed after ${RUN_TIMEOUT_MS} ms:\n${output}`);
      assert.equal(code, 0, `exit code ${code}:\n${output}`);
    }
  } finally {
    clearTimeout(timer);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  const absent = missing(output, expected);
  assert.deepEqual(absent, [], `expected output not seen; the sample printed:\n${output}`);
}

before(async () => {
  mkdirSync(scratch, { recursive: true });
  // TypeScript samples (NestJS) are compiled by tsx as a user's project would be.
  writeFileSync(
    path.join(scratch, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: { target: 'ES2022', module: 'NodeNext', experimentalDecorators: true },
    }),
  );
  receiver = await startReceiver({ apiKey: 'docs-key', print: false });
  sentry = await serve((req, res) => {
    req.resume();
    req.on('end', () => res.end('{}'));
  });
});
after(async () => {
  await receiver?.close();
  await sentry?.close();
  if (redis) {
    await stopRedis(redis.process);
  }
  rmSync(scratch, { recursive: true, force: true });
});

test('the README has every expected section, and fits in two minutes of reading', () => {
  const readme = docs[0]!;
  const titles = readme.headings.filter((h) => h.level === 2).map((h) => h.text);
  for (const section of README_SECTIONS) assert.ok(titles.includes(section), `no ## ${section}`);
  const lines = readFileSync(path.join(root, 'README.md'), 'utf8').split('\n').length;
  assert.ok(lines <= 250, `README.md has ${lines} lines`);
});

test('no fence swallows markdown: no heading or fence line inside a code block', () => {
  for (const doc of docs)
    for (const fence of doc.fences) {
      const where = `${doc.file}:${fence.line}`;
      assert.doesNotMatch(fence.content, /^#{2,6} \S/m, `${where}: a heading inside a fence`);
      assert.doesNotMatch(fence.content, /^ {0,3}(```|~~~)/m, `${where}: a fence inside a fence`);
    }
});

test('relative links resolve to files the package ships', () => {
  const shipped = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).files;
  for (const doc of docs)
    for (const href of doc.links) {
      if (/^[a-z]+:/i.test(href) || href.startsWith('#')) continue;
      const target = path.posix.normalize(
        path.posix.join(path.posix.dirname(doc.file), href.split('#')[0]!),
      );
      const where = `${doc.file}: ${href}`;
      assert.ok(
        shipped.some((f: string) => target === f || target.startsWith(`${f}/`)),
        `${where} is not in the published package: use an absolute GitHub URL`,
      );
      if (LINKS_ELSEWHERE.has(target)) continue;
      assert.ok(existsSync(path.join(root, target)), `${where} does not exist`);
    }
});

for (const doc of docs) {
  describe(doc.file, () => {
    for (const sample of doc.samples) {
      const name = `${doc.file}:${sample.line} (${sample.heading})`;
      const known = KNOWN_FAILURES.get(`${doc.file} › ${sample.heading}`);
      if (sample.fragmentReason === '') {
        test(name, () => assert.fail('a `fragment` fence says why it cannot run'));
      } else if (sample.fragmentReason !== undefined) {
        test(name, { skip: `fragment: ${sample.fragmentReason}` }, () => {});
      } else if (sample.flags.includes('needs-redis') && redisServer.skip) {
        test(name, { skip: redisServer.skip }, () => {});
      } else if (known) {
        test(`${name} fails as expected: ${known}`, { timeout: RUN_TIMEOUT_MS * 2 }, async () => {
          const failure = await runSample(sample).then(
            () => undefined,
            (error: unknown) => error,
          );
          assert.ok(failure, `now passes: remove it from KNOWN_FAILURES in test/docs.test.ts`);
        });
      } else {
        test(name, { timeout: RUN_TIMEOUT_MS * 2 }, () => runSample(sample));
      }
    }
  });
}
