// Module resolution hooks for nest-major.mjs: Nest and the packages it shares state
// through (rxjs, reflect-metadata) resolve from the other project.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const REDIRECTED = /^(@nestjs\/|rxjs$|rxjs\/|reflect-metadata$)/;
let parentURL;

export function initialize({ dir }) {
  parentURL = pathToFileURL(join(dir, 'package.json')).href;
}

export function resolve(specifier, context, next) {
  if (!REDIRECTED.test(specifier)) return next(specifier, context);
  return next(specifier, { ...context, parentURL });
}
