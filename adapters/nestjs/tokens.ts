import type { AdapterEntryOptions } from '../../src/index.js';

/** Options of `ReplayLinkModule.forRoot`: adapter options, plus `init` options when given. */
export type ReplayLinkModuleOptions = AdapterEntryOptions;

/** Injection token of the module's options (what `forRoot` got or `useFactory` returned). */
export const REPLAYLINK_OPTIONS = Symbol.for('replaylink.nestjs.options');
