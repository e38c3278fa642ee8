import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

/** The environment variable naming the handler that `lambdaHandlerFromEnv` wraps. */
export const HANDLER_ENV = 'REPLAYLINK_LAMBDA_HANDLER';

const EXTENSIONS = ['', '.js', '.mjs', '.cjs'];

/**
 * Loads a handler named as Lambda names one (`dir/module.export`, relative to `root`, by
 * default `LAMBDA_TASK_ROOT`): the module is found with the runtime's extensions and its
 * export must be a function. Rejects with an error naming what is wrong.
 *
 * @example
 * const original = await loadLambdaHandler('src/index.handler');
 */
export async function loadLambdaHandler(
  spec: string,
  root = process.env.LAMBDA_TASK_ROOT ?? process.cwd(),
): Promise<(event: unknown, context: unknown) => unknown> {
  const match = /^(.*?)([^/]+)\.([A-Za-z_$][\w$]*)$/.exec(spec);
  if (match === null || spec.includes('..'))
    throw new Error(
      `replaylink: ${HANDLER_ENV}=${JSON.stringify(spec)} is not a handler name like "index.handler"`,
    );
  const base = path.resolve(root, match[1]!, match[2]!);
  const file = EXTENSIONS.map((ext) => base + ext).find((f) => existsSync(f));
  if (file === undefined)
    throw new Error(`replaylink: no module ${base}(.js|.mjs|.cjs) for ${spec}`);
  const loaded = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  const fn =
    loaded[match[3]!] ?? (loaded.default as Record<string, unknown> | undefined)?.[match[3]!];
  if (typeof fn !== 'function')
    throw new Error(`replaylink: ${file} has no function export "${match[3]}"`);
  return fn as (event: unknown, context: unknown) => unknown;
}
