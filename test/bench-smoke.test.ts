import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

// The benchmark suite with tiny durations: it must run every group and write a report
// with every configuration and a well-formed chart. No timing is asserted.

interface Group {
  title: string;
  configurations: Array<{ id: string; label: string }>;
}

const root = fileURLToPath(new URL('..', import.meta.url));
const run = promisify(execFile);

/** Throws unless `svg` is one balanced XML element tree rooted at an SVG element. */
function assertWellFormedSvg(svg: string): void {
  const open: string[] = [];
  let rooted = false;
  for (const match of svg.matchAll(/<[^>]*>|[^<]+/g)) {
    const token = match[0];
    if (!token.startsWith('<')) {
      assert.doesNotMatch(token, /&(?!#\d+;|[a-z]+;)/, `unescaped & in ${token}`);
      if (open.length === 0) assert.match(token, /^\s*$/, 'text outside the root element');
      continue;
    }
    if (token.startsWith('<?') || token.startsWith('<!--')) continue;
    const name = /^<\/?([A-Za-z][\w:-]*)/.exec(token)?.[1];
    assert.ok(name, `malformed tag ${token}`);
    if (token.startsWith('</')) {
      assert.equal(open.pop(), name, `mismatched closing tag ${token}`);
      continue;
    }
    if (open.length === 0) {
      assert.ok(!rooted, 'more than one root element');
      assert.equal(name, 'svg');
      assert.match(token, /xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
      rooted = true;
    }
    if (!token.endsWith('/>')) open.push(name);
  }
  assert.ok(rooted, 'no root element');
  assert.deepEqual(open, [], `unclosed elements: ${open.join(', ')}`);
}

test('bench --smoke reports every group and configuration and writes a well-formed SVG chart', async () => {
  const out = await mkdtemp(path.join(os.tmpdir(), 'replaylink-bench-test-'));
  const committed = path.join(root, 'BENCHMARKS.md');
  const before = await stat(committed);
  try {
    await run(process.execPath, ['bench/run.mjs', '--smoke', '--out', out], {
      cwd: root,
      maxBuffer: 64 * 1024 * 1024,
    });
    const report = await readFile(path.join(out, 'BENCHMARKS.md'), 'utf8');
    const svg = await readFile(path.join(out, 'bench', 'benchmarks.svg'), 'utf8');
    const groupsUrl = new URL('../bench/lib/groups.mjs', import.meta.url).href;
    const { loadGroups } = (await import(groupsUrl)) as { loadGroups: () => Promise<Group[]> };
    const groups = await loadGroups();
    assert.ok(groups.length >= 10, `only ${groups.length} groups`);
    for (const group of groups) {
      const start = report.indexOf(`### ${group.title}\n`);
      assert.notEqual(start, -1, `no section for ${group.title}`);
      const end = report.indexOf('\n### ', start + 1);
      const section = report.slice(start, end === -1 ? undefined : end);
      for (const { label } of group.configurations) {
        const row = section.split('\n').find((line) => line.startsWith(`| ${label} |`));
        assert.ok(row, `no row for ${label} in ${group.title}`);
        // Each configuration ran or says why it was skipped.
        assert.doesNotMatch(row, /did not run/, row);
      }
    }
    assert.match(report, /^Command: `npm run bench -- --smoke/m);
    assert.match(report, /Node v\d+/);
    assert.match(report, /!\[[^\]]+\]\(bench\/benchmarks\.svg\)/);
    assertWellFormedSvg(svg);
    assert.match(svg, />bare Express 5</);
    assert.equal((await stat(committed)).mtimeMs, before.mtimeMs, 'BENCHMARKS.md was rewritten');
  } finally {
    await rm(out, { recursive: true, force: true });
  }
});
