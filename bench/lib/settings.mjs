// Run lengths per mode. `--quick` keeps the table shape of a full run with shorter
// rounds; `--smoke` only proves that every group still runs (no meaningful numbers).

const MODES = {
  full: { rounds: 5, duration: 5, warmup: 3, connections: 50, microScale: 1 },
  quick: { rounds: 3, duration: 1, warmup: 1, connections: 50, microScale: 0.2 },
  smoke: { rounds: 1, amount: 200, warmup: 0, connections: 10, microScale: 0.01 },
};

/**
 * Parses the command line: `--quick`, `--smoke`, `--only a,b`, `--configs a,b`, `--out dir`, `--profile`,
 * `--rounds n` and `--duration s` (override the mode's, e.g. a quick run with 7 rounds).
 */
export function parseArgs(argv) {
  const value = (flag) => {
    const i = argv.indexOf(flag);
    return i === -1 ? undefined : argv[i + 1];
  };
  const mode = argv.includes('--smoke') ? 'smoke' : argv.includes('--quick') ? 'quick' : 'full';
  const only = value('--only');
  const configs = value('--configs');
  const number = (flag) => {
    const n = Number(value(flag));
    return Number.isFinite(n) && n > 0 ? { [flag.slice(2)]: n } : {};
  };
  return {
    mode,
    ...MODES[mode],
    ...number('--rounds'),
    ...number('--duration'),
    only: only ? only.split(',') : undefined,
    configs: configs ? configs.split(',') : undefined,
    out: value('--out'),
    profile: argv.includes('--profile'),
    command: `npm run bench${argv.length ? ` -- ${argv.join(' ')}` : ''}`,
  };
}
