// pino records/second with `pinoOptions()` vs bare pino, inside a request context with an
// OpenReplay token, to a sonic-boom destination on /dev/null. Two loggers write the same
// record by hand (tag typed in the message, id as a field): through the same root logger,
// the share of the cost that comes from the longer record rather than from the helper;
// through a child logger with the id as a binding, what a per-request child would cost.
// pino's own `msgPrefix` puts the same fixed text in front of every message: the least
// the tag in the message can cost, with no context lookup and no field.
const TOKEN = 'bench.token.1';
const PLAIN = 'order %d loaded';

const plainRecord = (i) => ({ i });
const recordWithId = (i) => ({ openReplaySessionToken: TOKEN, i });

function recordsPerSecond(logger, records, message, runWithContext, record = plainRecord) {
  const run = () => {
    for (let i = 0; i < records; i++) logger.info(record(i), message, i);
  };
  run(); // warm-up, same length
  const start = process.hrtime.bigint();
  runWithContext({ sessionToken: TOKEN }, run);
  return records / (Number(process.hrtime.bigint() - start) / 1e9);
}

function config(id, label, make) {
  return {
    id,
    label,
    async measure(settings) {
      const { default: pino } = await import('pino');
      const { runWithContext } = await import('replaylink');
      const { logger, message, record } = await make(pino);
      const records = Math.max(2000, Math.round(200_000 * settings.microScale));
      return { rate: recordsPerSecond(logger, records, message, runWithContext, record) };
    },
  };
}

const destination = (pino) => pino.destination({ dest: '/dev/null', sync: true });

export default {
  kind: 'micro',
  title: 'pino records/second inside a request with a token (to /dev/null)',
  subject: 'logger',
  columns: [{ key: 'rate', label: 'records/s' }],
  ratio: { key: 'rate', baseline: 'bare', label: 'ratio to bare' },
  configurations: [
    config('bare', 'bare pino', (pino) => ({
      logger: pino({}, destination(pino)),
      message: PLAIN,
    })),
    config('byHand', 'bare pino writing the same record by hand (id as a field)', (pino) => ({
      logger: pino({}, destination(pino)),
      message: `[openReplaySessionToken=${TOKEN}] ${PLAIN}`,
      record: recordWithId,
    })),
    config(
      'byHandChild',
      'the same record by hand through a child logger (id as a binding)',
      (pino) => ({
        logger: pino({}, destination(pino)).child({ openReplaySessionToken: TOKEN }),
        message: `[openReplaySessionToken=${TOKEN}] ${PLAIN}`,
      }),
    ),
    config(
      'msgPrefix',
      "pino's own msgPrefix option with the tag (fixed text, no field)",
      (pino) => ({
        logger: pino({ msgPrefix: `[openReplaySessionToken=${TOKEN}] ` }, destination(pino)),
        message: PLAIN,
      }),
    ),
    config('pinoOptions', 'pino(pinoOptions())', async (pino) => {
      const { pinoOptions } = await import('replaylink/pino');
      return { logger: pino(pinoOptions(), destination(pino)), message: PLAIN };
    }),
  ],
};
