// Mutation check: does the test suite notice when the code breaks where it matters?
//
// Each mutation below is a small, targeted bug in src/ or adapters/ (a route lost, an error
// swallowed, a counter not counted, …). The script copies the sources and tests to a
// temporary directory once, then for each mutation edits the copy, runs only the tests
// that should notice, and restores the file. A mutation is "caught" when those tests fail
// (or time out); one they pass is "survived". It prints one line per mutation and the
// score, and exits 1 when a mutation survived or the unmutated tests fail.
//
//   node scripts/mutate.mjs              every mutation
//   node scripts/mutate.mjs --only a,b   some of them (ids below)
//   node scripts/mutate.mjs --list       the ids and what each breaks
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..');
// A test run that exceeds this counts as caught (a hang is noticed, if slowly).
const RUN_TIMEOUT_MS = 120_000;

/**
 * id, what the bug is, the file, the exact text replaced (must occur once) and its
 * replacement, and the tests that should notice: [file, name pattern?] pairs.
 */
const MUTATIONS = [
  {
    id: 'route-on-success',
    what: 'access log $context.routeKey ignores the matched route of a successful request',
    file: 'src/access-log/http.ts',
    // biome-ignore-start lint/suspicious/noTemplateCurlyInString: source text, not a template.
    from: 'routeKey: () => `${context.method} ${routeOf(context) ?? context.path}`,',
    to: 'routeKey: () => `${context.method} ${(facts.error === undefined ? undefined : routeOf(context)) ?? context.path}`,',
    // biome-ignore-end lint/suspicious/noTemplateCurlyInString: source text, not a template.
    tests: [['adapter-matrix', 'accessLog']],
  },
  {
    id: 'route-forwarded',
    what: 'the Express route pattern is not read (forwarded errors lose their route)',
    file: 'src/core/routes.ts',
    from: "if (typeof route?.path !== 'string') return undefined;",
    to: 'return undefined;',
    tests: [['forward', 'exactly the send API body']],
  },
  {
    id: 'should-forward-throws',
    what: 'a throwing shouldForward is swallowed as "do not forward"',
    file: 'src/forward/capture.ts',
    from: '    } catch {\n      forward = true;\n    }',
    to: '    } catch {\n      forward = false;\n    }',
    tests: [['forward', 'throwing shouldForward']],
  },
  {
    id: 'client-errors-forwarded',
    what: '4xx errors are forwarded by default',
    file: 'src/forward/capture.ts',
    from: 'return status === undefined || status >= 500;',
    to: 'return status === undefined || status >= 400;',
    tests: [['adapter-matrix', 'client errors']],
  },
  {
    id: 'access-log-failures',
    what: 'a line the access-log stream failed to write is not counted',
    file: 'src/access-log/index.ts',
    from: '      state.stats.accessLog.failures++;\n',
    to: '',
    tests: [['access-log', 'throwing stream']],
  },
  {
    id: 'send-failed-counter',
    what: 'a failed send is not counted in stats().failed',
    file: 'src/forward/transport.ts',
    from: '    state.stats.failed++;\n',
    to: '',
    tests: [['transport', 'connection refused']],
  },
  {
    id: 'access-log-skip-throws',
    what: 'a throwing skip drops the line',
    file: 'src/access-log/http.ts',
    from: '  } catch {\n    return false;\n  }',
    to: '  } catch {\n    return true;\n  }',
    tests: [['access-log', 'throwing skip']],
  },
  {
    id: 'breadcrumb-bytes',
    what: 'Buffer writes are not kept as breadcrumbs',
    file: 'src/stamp/stamp.ts',
    from: '  else if (isTextEncoding(encoding) && chunk instanceof Uint8Array)',
    to: '  else if (false as boolean)',
    tests: [['breadcrumbs', 'carries the lines']],
  },
  {
    id: 'breadcrumb-dropped',
    what: 'the newest breadcrumb of a request is dropped',
    file: 'src/core/breadcrumbs.ts',
    from: '  trail.push(state.consoleLevel ?? fallbackLevel, text, Date.now() - context.startedAt);',
    to: '  if (trail.length > 1) trail.push(state.consoleLevel ?? fallbackLevel, text, Date.now() - context.startedAt);',
    tests: [['breadcrumbs', 'carries the lines']],
  },
  {
    id: 'retry-after-pause',
    what: 'a 429 does not pause sending for its Retry-After',
    file: 'src/forward/transport.ts',
    from: 'this.rateLimitedUntil = Date.now() + pause;',
    to: 'this.rateLimitedUntil = Date.now();',
    tests: [['transport', '429']],
  },
  {
    id: 'reset-as-timeout',
    what: 'a connection reset is counted as a timeout',
    file: 'src/forward/send.ts',
    from: "const failure = isTimeout(error) ? 'timeout' : 'network';",
    to: "const failure = isTimeout(error) || error ? 'timeout' : 'network';",
    tests: [['transport', 'reset mid-response']],
  },
  {
    id: 'payload-cap',
    what: 'the 64 KiB payload cap lets JSON through up to 66 KiB',
    file: 'src/forward/serialize.ts',
    from: 'const MAX_JSON = 64 * 1024;',
    to: 'const MAX_JSON = 66 * 1024;',
    tests: [['forward-payload', '64 KiB']],
  },
  {
    id: 'redaction',
    what: 'secret-looking keys are not redacted',
    file: 'src/forward/serialize.ts',
    from: '  return SECRET_KEY.test(key);',
    to: '  return SECRET_KEY.test(key) && false;',
    tests: [['forward', 'redacted']],
  },
  {
    id: 'ws-listener-error',
    what: "a throwing ws message listener's error is swallowed",
    file: 'src/websocket.ts',
    from: '    error = thrown;\n    throw thrown;',
    to: '    error = thrown;\n    return false;',
    tests: [['ws', 'throwing message listener']],
  },
  {
    id: 'propagate-options-port',
    what: "http.request's options form loses its port (no propagation as axios calls)",
    file: 'src/propagate/propagate.ts',
    from: '    port = (first as PortOptions)?.port ?? (first as PortOptions)?.defaultPort;',
    to: '    port = (first as PortOptions)?.defaultPort;',
    tests: [['propagate', 'service A passes']],
  },
  {
    id: 'unknown-option',
    what: 'an unknown init option is silently accepted',
    file: 'src/options.ts',
    from: '    if (!(OPTION_KEYS as readonly string[]).includes(key))',
    to: '    if (key.length > 40 && !(OPTION_KEYS as readonly string[]).includes(key))',
    tests: [['config', 'any unknown key']],
  },
  {
    id: 'hostile-token',
    what: 'a session token with a closing bracket is accepted (tag forging)',
    file: 'src/core/headers.ts',
    from: 'const SESSION_TOKEN = /^[A-Za-z0-9._~+/=-]{1,512}$/;',
    to: 'const SESSION_TOKEN = /^[A-Za-z0-9._~+/=\\][-]{1,512}$/;',
    tests: [['adapter-matrix', 'hostile headers']],
  },
  {
    id: 'redis-key-prefix',
    what: 'redisStore accepts any keyPrefix',
    file: 'src/sessions/store-redis.ts',
    from: 'const KEY_PREFIX = /^[A-Za-z0-9:_.-]{1,64}$/;',
    to: 'const KEY_PREFIX = /^/;',
    tests: [['store-redis', 'keyPrefix']],
  },
  {
    id: 'redis-malformed',
    what: 'a session read back from Redis is trusted without a string sessionID',
    file: 'src/sessions/store-redis.ts',
    from: "typeof d !== 'object' || d === null || typeof d.sessionID !== 'string'",
    to: "typeof d !== 'object' || d === null || d.sessionID === undefined",
    tests: [['store-redis', 'malformed']],
  },
  {
    id: 'hono-unobserved',
    what: "register leaves Hono's error handler unobserved (its errors are not forwarded)",
    file: 'adapters/register/hono.ts',
    from: '    exports.Hono = observedClass(Original);',
    to: '',
    tests: [['register-hono', "Hono's default handler"]],
  },
  {
    id: 'listener-throw-context',
    what: "a bare listener's throw is not noted with its request (the crash is forwarded without ids)",
    file: 'src/servers.ts',
    from: '        if (threw) escaping();',
    to: '',
    tests: [['servers', "a listener's throw"]],
  },
];

function parseArgs(argv) {
  const only = argv.includes('--only') ? argv[argv.indexOf('--only') + 1]?.split(',') : undefined;
  return { only, list: argv.includes('--list') };
}

/** Runs node --test on `tests` in `cwd`; resolves { ok, timedOut, ms, summary, tail }. */
function runTests(cwd, tests) {
  const files = [...new Set(tests.map(([file]) => `test/${file}.test.ts`))];
  const patterns = tests.flatMap(([, pattern]) =>
    pattern ? [`--test-name-pattern=${pattern}`] : [],
  );
  const args = ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-timeout=60000'];
  // A pattern only narrows when every file has one; otherwise run the files whole.
  if (patterns.length === tests.length) args.push(...patterns);
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...args, ...files], {
      cwd,
      env: { ...process.env, NODE_V8_COVERAGE: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let out = '';
    child.stdout.on('data', (d) => (out = (out + d).slice(-20_000)));
    child.stderr.on('data', (d) => (out = (out + d).slice(-20_000)));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      process.kill(-child.pid, 'SIGKILL');
    }, RUN_TIMEOUT_MS);
    child.on('close', (code) => {
      clearTimeout(timer);
      const tally = (k) => new RegExp(`^(?:# |ℹ )${k} (\\d+)$`, 'm').exec(out)?.[1] ?? '?';
      resolve({
        ok: code === 0,
        timedOut,
        ms: Math.round(performance.now() - started),
        summary: `${tally('pass')} passed, ${tally('fail')} failed, ${tally('cancelled')} cancelled`,
        tail: out.slice(-3000),
      });
    });
  });
}

function copyProject() {
  const dir = mkdtempSync(path.join(tmpdir(), 'replaylink-mutate-'));
  for (const entry of ['src', 'adapters', 'test', 'package.json', 'tsconfig.json'])
    cpSync(path.join(ROOT, entry), path.join(dir, entry), { recursive: true });
  symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  return dir;
}

async function main() {
  const { only, list } = parseArgs(process.argv.slice(2));
  if (list) {
    for (const m of MUTATIONS) console.log(`${m.id.padEnd(24)} ${m.what}`);
    return;
  }
  const chosen = only ? MUTATIONS.filter((m) => only.includes(m.id)) : MUTATIONS;
  if (only && chosen.length !== only.length)
    throw new Error(`unknown mutation id in --only ${only.join(',')} (see --list)`);

  const dir = copyProject();
  const started = performance.now();
  let caught = 0;
  const survived = [];
  try {
    // Every mutation must still apply to the current code: a stale one is an error.
    for (const m of chosen) {
      const source = readFileSync(path.join(dir, m.file), 'utf8');
      const at = source.indexOf(m.from);
      if (at === -1 || source.indexOf(m.from, at + 1) !== -1)
        throw new Error(`mutation ${m.id}: the text to replace is not in ${m.file} exactly once`);
    }
    const baseline = await runTests(
      dir,
      chosen.flatMap((m) => m.tests),
    );
    console.log(
      `baseline (no mutation): ${baseline.summary} in ${(baseline.ms / 1000).toFixed(1)} s`,
    );
    if (!baseline.ok) {
      console.log(baseline.tail);
      throw new Error('the tests fail without any mutation; fix them first');
    }
    for (const m of chosen) {
      const file = path.join(dir, m.file);
      const original = readFileSync(file, 'utf8');
      writeFileSync(
        file,
        original.replace(m.from, () => m.to),
      );
      try {
        const run = await runTests(dir, m.tests);
        const verdict = run.timedOut ? 'caught (timeout)' : run.ok ? 'SURVIVED' : 'caught';
        if (run.ok && !run.timedOut) survived.push(m);
        else caught++;
        console.log(
          `${verdict.padEnd(16)} ${m.id.padEnd(24)} ${run.summary} in ${(run.ms / 1000).toFixed(1)} s: ${m.what}`,
        );
      } finally {
        writeFileSync(file, original);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const pct = ((100 * caught) / chosen.length).toFixed(1);
  console.log(
    `mutation score: ${caught}/${chosen.length} caught (${pct} %) in ${((performance.now() - started) / 1000).toFixed(0)} s`,
  );
  for (const m of survived) console.log(`survived: ${m.id} (${m.file}): ${m.what}`);
  if (survived.length > 0) process.exitCode = 1;
}

await main();
