// `node --import tsx --import ./test/matrix/nest-major.mjs --test …` runs the Nest tests
// against the Nest installed in the project at $REPLAYLINK_NEST_DIR instead of the one in
// devDependencies: Nest packages import each other by name, so another major cannot sit
// beside it under an npm alias. See test/nest-majors.test.ts.
import { register } from 'node:module';

register('./nest-major-hooks.mjs', import.meta.url, {
  data: { dir: process.env.REPLAYLINK_NEST_DIR },
});
