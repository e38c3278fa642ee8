// Builds the receiver's page into dist/receiver-page/: the script compiled from TypeScript
// (one file, no imports: a transpile is enough; `npm run lint` type-checks it against the
// DOM lib), the HTML and CSS copied. tsup runs it after each build.
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import ts from 'typescript';

const SOURCE = new URL('../src/receiver/page/', import.meta.url);

export function buildPage(out = new URL('../dist/receiver-page/', import.meta.url)) {
  mkdirSync(out, { recursive: true });
  const { outputText } = ts.transpileModule(readFileSync(new URL('page.ts', SOURCE), 'utf8'), {
    compilerOptions: {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ESNext,
      removeComments: true,
    },
    fileName: 'page.ts',
  });
  writeFileSync(new URL('page.js', out), outputText);
  for (const file of ['index.html', 'page.css'])
    copyFileSync(new URL(file, SOURCE), new URL(file, out));
}

if (import.meta.url === `file://${process.argv[1]}`) buildPage();
