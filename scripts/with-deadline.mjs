// Runs a command and ends it, with a line saying so, if it outlives a deadline:
//   node scripts/with-deadline.mjs <minutes> <command> [args…]
// `npm test` goes through it, so no stuck child process can hold a run forever; each test
// has its own, shorter bound (--test-timeout).
import { spawn } from 'node:child_process';

const [minutes, command, ...args] = process.argv.slice(2);
const ms = Number(minutes) * 60_000;
if (!command || !(ms > 0)) {
  console.error('usage: node scripts/with-deadline.mjs <minutes> <command> [args…]');
  process.exit(2);
}

// Its own process group, so that the deadline ends the runner and everything it started.
const detached = process.platform !== 'win32';
const child = spawn(command, args, {
  stdio: 'inherit',
  detached,
  shell: process.platform === 'win32',
});
const stop = (signal) => {
  try {
    if (detached) process.kill(-child.pid, signal);
    else child.kill(signal);
  } catch {}
};
const timer = setTimeout(() => {
  console.error(`\n${command} did not finish within ${minutes} min: ended.`);
  stop('SIGTERM');
  setTimeout(() => stop('SIGKILL'), 10_000).unref();
  process.exitCode = 124;
}, ms);
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => stop(signal));
child.on('error', (error) => {
  console.error(`${command}: ${error.message}`);
  process.exit(127);
});
child.on('exit', (code, signal) => {
  clearTimeout(timer);
  process.exitCode ||= code ?? (signal ? 1 : 0);
});
