import type { InternalContext } from './context.js';
import type { ResolvedOptions, TagKind } from './options.js';
import { state } from './state.js';
import { kTags } from './symbols.js';

/** A context's ids as structured loggers write them, computed once per context. */
export interface ContextTags {
  /** `[openReplaySessionToken=…] [openReplaySession.id=…] ` with its trailing space; empty when no id is tagged. */
  readonly text: string;
  /** The same ids keyed by tag name, e.g. `{ openReplaySessionToken: '…' }`. Frozen. */
  readonly fields: Readonly<Record<string, string>>;
}

type Ids = Partial<Record<TagKind, string | undefined>>;

const NONE: ContextTags = Object.freeze({ text: '', fields: Object.freeze({}) });

/** The `[name=value] ` text of the ids selected by the `tags` option. */
export function tagText(ids: Ids, options: ResolvedOptions): string {
  let text = '';
  for (const kind of options.tags) {
    const value = ids[kind];
    if (value !== undefined) text += `[${options.tagNames[kind]}=${value}] `;
  }
  return text;
}

function buildTags(context: InternalContext, options: ResolvedOptions): ContextTags {
  const fields: Record<string, string> = {};
  for (const kind of options.tags) {
    const value = context[kind];
    if (value !== undefined) fields[options.tagNames[kind]] = value;
  }
  const text = tagText(context, options);
  return text === '' ? NONE : { text, fields: Object.freeze(fields) };
}

/** The tag text and fields of `context`, built on first use and kept on the context. */
export function tagsOf(context: InternalContext): ContextTags {
  const cached = context[kTags];
  if (cached !== undefined) return cached;
  const tags = buildTags(context, state.options);
  (context as { [kTags]?: ContextTags })[kTags] = tags;
  return tags;
}

/** Tags of the current context; `undefined` outside a context or when it has no tagged id. */
export function currentTags(): ContextTags | undefined {
  const context = state.als.getStore();
  if (context === undefined) return undefined;
  const tags = tagsOf(context);
  return tags === NONE ? undefined : tags;
}
