// Runs before `npm start` and `npm test`: installs the locked dependencies when
// node_modules is missing or older than package-lock.json, then builds. A fresh clone
// therefore needs only Node and npm.
import { execFileSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const mtime = (file) => {
  try {
    return statSync(new URL(`../${file}`, import.meta.url)).mtimeMs;
  } catch {
    return undefined;
  }
};

// npm writes node_modules/.package-lock.json on every install: its age is the install's.
const installed = mtime('node_modules/.package-lock.json');
const locked = mtime('package-lock.json');
const stale = installed === undefined || (locked !== undefined && locked > installed);

// Inside an npm script, npm_execpath is npm's own CLI: no shell, no npm.cmd lookup.
const npm = (args) => {
  const cli = process.env.npm_execpath;
  if (cli?.endsWith('.js'))
    execFileSync(process.execPath, [cli, ...args], { cwd: root, stdio: 'inherit' });
  else
    execFileSync('npm', args, { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' });
};

if (stale) {
  console.error(
    installed === undefined
      ? 'replaylink: installing dependencies (npm ci), first run only…'
      : 'replaylink: package-lock.json changed since the last install, running npm ci…',
  );
  npm(['ci', '--no-audit', '--no-fund']);
}
npm(['run', 'build', '--silent']);
