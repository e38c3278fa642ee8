// Micro-benchmark: records/second of pino with `pinoOptions()` vs bare pino, inside a request
// context with an OpenReplay token, to a sonic-boom destination on /dev/null. A third logger
// writes the same bytes by hand (ids as child bindings, tag typed in the message): the share
// of the cost that comes from the longer record rather than from the helper.
import pino from 'pino';
import { runWithContext } from 'replaylink';
import { pinoOptions } from 'replaylink/pino';

const TOKEN = 'bench.token.1';

function recordsPerSecond(logger, records, message) {
  const start = process.hrtime.bigint();
  runWithContext({ sessionToken: TOKEN }, () => {
    for (let i = 0; i < records; i++) logger.info({ i }, message, i);
  });
  return records / (Number(process.hrtime.bigint() - start) / 1e9);
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Alternating rounds; returns a Markdown section. */
export function pinoSection({ rounds, records }) {
  const destination = () => pino.destination({ dest: '/dev/null', sync: true });
  const plain = 'order %d loaded';
  const loggers = [
    ['bare pino', pino({}, destination()), plain],
    [
      'bare pino writing the same record by hand',
      pino({}, destination()).child({ openReplaySessionToken: TOKEN }),
      `[openReplaySessionToken=${TOKEN}] ${plain}`,
    ],
    ['pino(pinoOptions())', pino(pinoOptions(), destination()), plain],
  ];
  for (const [, logger, message] of loggers) recordsPerSecond(logger, records / 10, message); // warm-up
  const results = new Map(loggers.map(([label]) => [label, []]));
  for (let round = 0; round < rounds; round++) {
    for (const [label, logger, message] of loggers)
      results.get(label).push(recordsPerSecond(logger, records, message));
  }
  const bare = median(results.get('bare pino'));
  const rows = [...results].map(
    ([label, xs]) =>
      `| ${label} | ${Math.round(median(xs))} (${Math.round(Math.min(...xs))}–${Math.round(Math.max(...xs))}) | ${(median(xs) / bare).toFixed(3)} |`,
  );
  return `### pino records/second inside a request with a token (${records} records × ${rounds} rounds, to /dev/null)\n\n| logger | records/s median (min–max) | ratio to bare |\n|---|---|---|\n${rows.join('\n')}`;
}
