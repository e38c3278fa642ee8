import { createWriteStream, type WriteStream } from 'node:fs';
import { type AccessLogOptions, createAccessLog, type LineWritable } from './access-log/index.js';
import { diagnose, warnOnce } from './core/diagnostics.js';
import type { TagKind } from './core/options.js';
import { state } from './core/state.js';
import { closestName } from './core/suggest.js';
import { type ReplayLinkOptions, resolveOptions } from './options.js';
import { redisStore } from './sessions/index.js';

/** What the `REPLAYLINK_*` variables configure, checked; see {@link environmentOptions}. */
export interface EnvironmentOptions {
  /** The `init` options the variables give (nothing set: `{}`). */
  readonly options: ReplayLinkOptions;
  /** The access log every server writes, when `REPLAYLINK_ACCESS_LOG` is set. */
  readonly accessLog: AccessLogOptions | undefined;
  /** One line per variable left out: its name, its value (never a key's) and what is accepted. */
  readonly problems: readonly string[];
  /** The names of the variables left out. */
  readonly ignored: readonly string[];
}

/** The configuration being built from the variables; plain data until the end. */
interface Draft {
  init: Record<string, Record<string, unknown> | unknown>;
  accessLog: { format?: string; destination?: string };
  redisUrl?: string;
}

type Setter = (draft: Draft, text: string) => void;

class BadText extends Error {}

const TRUE = ['1', 'true', 'yes', 'on'];
const FALSE = ['0', 'false', 'no', 'off'];

function bool(text: string): boolean {
  const word = text.trim().toLowerCase();
  if (TRUE.includes(word)) return true;
  if (FALSE.includes(word)) return false;
  throw new BadText('true or false (also 1/0, yes/no, on/off)');
}

function group(draft: Draft, name: string): Record<string, unknown> {
  const existing = draft.init[name] as Record<string, unknown> | undefined;
  if (existing !== undefined) return existing;
  const created: Record<string, unknown> = {};
  draft.init[name] = created;
  return created;
}

const set =
  (option: string): Setter =>
  (draft, text) => {
    draft.init[option] = text;
  };
const setBool =
  (option: string): Setter =>
  (draft, text) => {
    draft.init[option] = bool(text);
  };
const setIn =
  (name: string, key: string): Setter =>
  (draft, text) => {
    group(draft, name)[key] = text;
  };

/**
 * Every variable, in the order they are read (a key before the endpoint it is checked
 * against). docs/register.md has the same table for users.
 */
const VARIABLES: ReadonlyArray<readonly [string, Setter]> = [
  ['REPLAYLINK_DEBUG', setBool('debug')],
  ['REPLAYLINK_API_KEY', set('apiKey')],
  ['REPLAYLINK_ALLOW_INSECURE_ENDPOINT', setBool('allowInsecureEndpoint')],
  ['REPLAYLINK_ENDPOINT', set('endpoint')],
  ['REPLAYLINK_ORIGIN', set('origin')],
  [
    'REPLAYLINK_FORWARD_EXCEPTIONS',
    (draft, text) => (group(draft, 'forward').exceptions = bool(text)),
  ],
  [
    'REPLAYLINK_FORWARD_LOGS',
    (draft, text) => {
      const word = text.trim().toLowerCase();
      group(draft, 'forward').logs = FALSE.includes(word) ? false : word;
    },
  ],
  ['REPLAYLINK_STAMP', setBool('stamp')],
  [
    'REPLAYLINK_TAGS',
    (draft, text) => {
      draft.init.tags = text.split(',').map((kind) => kind.trim()) as TagKind[];
    },
  ],
  [
    'REPLAYLINK_BREADCRUMBS',
    (draft, text) => {
      if (!/^\d{1,9}$/.test(text.trim())) throw new BadText('an integer from 0 (off) to 1000');
      draft.init.breadcrumbs = Number(text);
    },
  ],
  ['REPLAYLINK_SESSION_TOKEN_HEADER', setIn('headers', 'sessionToken')],
  ['REPLAYLINK_RECORDING_ID_HEADER', setIn('headers', 'recordingId')],
  ['REPLAYLINK_REQUEST_ID_HEADER', setIn('headers', 'requestId')],
  ['REPLAYLINK_SESSION_ID_HEADER', setIn('headers', 'sessionId')],
  ['REPLAYLINK_PROJECT_KEY', setIn('liveSessions', 'projectKey')],
  [
    'REPLAYLINK_REDIS_URL',
    (draft, text) => {
      redisStore({ url: text }); // checks the URL; connects only when used
      draft.redisUrl = text;
    },
  ],
  ['REPLAYLINK_ACCESS_LOG', (draft, text) => (draft.accessLog.format = text)],
  [
    'REPLAYLINK_ACCESS_LOG_DESTINATION',
    (draft, text) => {
      // A NUL byte makes fs throw at once; no file name holds a control character anyway.
      if (text.trim() === '' || /\p{Cc}/u.test(text))
        throw new BadText('stdout, stderr or a file path');
      draft.accessLog.destination = text;
    },
  ],
  // Read by replaylink/lambda's zero-code handler (the function's own handler).
  ['REPLAYLINK_LAMBDA_HANDLER', () => {}],
];

/** The names of every variable `replaylink/register` and `replaylink/lambda` read. */
export const VARIABLE_NAMES: readonly string[] = VARIABLES.map(([name]) => name);

const OPTION_PREFIX = /^replaylink: option "[^"]*" (is )?/;

/** The error's sentence about an option, retold about the variable the user set. */
function problemOf(name: string, text: string, error: unknown): string {
  if (error instanceof BadText)
    return `replaylink: ${name} is ${JSON.stringify(text.slice(0, 40))}; expected ${error.message}; the variable is ignored`;
  const message = error instanceof Error ? error.message : String(error);
  const retold = OPTION_PREFIX.test(message)
    ? message.replace(OPTION_PREFIX, `replaylink: ${name} $1`)
    : `replaylink: ${name}: ${message.replace(/^replaylink: /, '')}`;
  return `${retold}; the variable is ignored`;
}

/** Throws when the draft is not a configuration `init` and the access log accept. */
function check(draft: Draft): void {
  resolveOptions(draft.init, {});
  if (draft.accessLog.format !== undefined)
    createAccessLog({ format: draft.accessLog.format, stream: () => {} });
}

/**
 * `stdout` (the default), `stderr`, or a file that lines are appended to. The file is
 * opened at the first line: reading the variables creates nothing on disk.
 */
function destinationOf(destination: string | undefined): LineWritable {
  if (destination === undefined || destination === 'stdout') return process.stdout;
  if (destination === 'stderr') return process.stderr;
  let file: WriteStream | undefined;
  const open = () => {
    const opened = createWriteStream(destination, { flags: 'a' });
    opened.on('error', (error) =>
      warnOnce(
        'accessLogFile',
        `access log file ${JSON.stringify(destination)} cannot be written (${(error as NodeJS.ErrnoException).code ?? error.message}); its lines are lost`,
      ),
    );
    return opened;
  };
  return {
    write(chunk: string) {
      file ??= open();
      return file.write(chunk);
    },
  };
}

function copy(draft: Draft): Draft {
  return structuredClone(draft);
}

/**
 * Reads the `REPLAYLINK_*` variables into `init` options and an access log, checking each
 * one on its own: a bad value, or a name that is not one of them, becomes one line in
 * `problems` (naming the variable, with the closest valid name for a typo) and is left
 * out, so the rest still applies. Never throws.
 *
 * @example
 * const { options, problems } = environmentOptions({ REPLAYLINK_ORIGIN: 'orders-api' });
 * // options: { origin: 'orders-api' }, problems: []
 */
export function environmentOptions(env: NodeJS.ProcessEnv = process.env): EnvironmentOptions {
  const problems: string[] = [];
  const ignored: string[] = [];
  let draft: Draft = { init: {}, accessLog: {} };
  for (const name of Object.keys(env)) {
    if (!name.startsWith('REPLAYLINK_') || VARIABLE_NAMES.includes(name)) continue;
    // Set by the test suite and CI (REPLAYLINK_REQUIRE_REDIS=1…), not configuration.
    if (name.startsWith('REPLAYLINK_REQUIRE_')) continue;
    const match = closestName(name, VARIABLE_NAMES);
    problems.push(
      `replaylink: ${name} is not a replaylink variable${match ? `; did you mean ${match}?` : ''} (ignored)`,
    );
  }
  for (const [name, setter] of VARIABLES) {
    const text = env[name];
    if (text === undefined || text === '') continue;
    const next = copy(draft);
    try {
      setter(next, text);
      check(next);
      draft = next;
    } catch (error) {
      ignored.push(name);
      problems.push(problemOf(name, name === 'REPLAYLINK_API_KEY' ? '(hidden)' : text, error));
    }
  }
  if (ignored.includes('REPLAYLINK_ENDPOINT') && draft.init.apiKey !== undefined) {
    // The key was meant for that endpoint, not for the default one.
    delete draft.init.apiKey;
    ignored.push('REPLAYLINK_API_KEY');
    problems.push(
      'replaylink: REPLAYLINK_API_KEY is not used since REPLAYLINK_ENDPOINT was refused: nothing is forwarded',
    );
  }
  const options = draft.init as ReplayLinkOptions;
  if (draft.redisUrl !== undefined) {
    const live = options.liveSessions;
    if (live === undefined)
      problems.push(
        'replaylink: REPLAYLINK_REDIS_URL needs REPLAYLINK_PROJECT_KEY (the live sessions registry is off without it); the variable is ignored',
      );
    else live.store = redisStore({ url: draft.redisUrl });
  }
  const { format, destination } = draft.accessLog;
  const accessLog =
    format === undefined ? undefined : { format, stream: destinationOf(destination) };
  if (format === undefined && destination !== undefined)
    problems.push(
      'replaylink: REPLAYLINK_ACCESS_LOG_DESTINATION needs REPLAYLINK_ACCESS_LOG (the format); the variable is ignored',
    );
  return { options, accessLog, problems, ignored };
}

/**
 * {@link environmentOptions} for an entry point that starts from the environment: each
 * problem is said once on stderr, and the variables left out are kept out of `init`'s own
 * reading of the environment too.
 */
export function optionsFromEnvironment(
  env: NodeJS.ProcessEnv = process.env,
): Pick<EnvironmentOptions, 'options' | 'accessLog'> {
  const { options, accessLog, problems, ignored } = environmentOptions(env);
  for (const problem of problems) diagnose(problem.replace(/^replaylink: /, ''), true);
  for (const name of ignored) state.ignoredVariables.add(name);
  return { options, accessLog };
}
