// pino records/second with `pinoOptions()` vs bare pino, inside a request context with an
// OpenReplay token, to a sonic-boom destination on /dev/null. The third logger writes the
// same bytes by hand (ids as child bindings, tag typed in the message): the share of the
// cost that comes from the longer record rather than from the helper.
const TOKEN = 'bench.token.1';
const PLAIN = 'order %d loaded';

function recordsPerSecond(logger, records, message, runWithContext) {
  const run = () => {
    for (let i = 0; i < records; i++) logger.info({ i }, message, i);
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
      const { logger, message } = await make(pino);
      const records = Math.max(2000, Math.round(200_000 * settings.microScale));
      return { rate: recordsPerSecond(logger, records, message, runWithContext) };
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
    config('byHand', 'bare pino writing the same record by hand', (pino) => ({
      logger: pino({}, destination(pino)).child({ openReplaySessionToken: TOKEN }),
      message: `[openReplaySessionToken=${TOKEN}] ${PLAIN}`,
    })),
    config('pinoOptions', 'pino(pinoOptions())', async (pino) => {
      const { pinoOptions } = await import('replaylink/pino');
      return { logger: pino(pinoOptions(), destination(pino)), message: PLAIN };
    }),
  ],
};
