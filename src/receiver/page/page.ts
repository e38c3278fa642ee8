/// <reference lib="dom" />
// The receiver's page, run in the browser (built to dist/receiver-page/page.js). Events are
// hostile input: every piece of their text goes in through textContent, each field is cut
// before it reaches the DOM, and any event that cannot be shown as it is is shown degraded.
// The list is windowed: the data (sorted, filtered, capped) lives here, and only the rows on
// screen exist in the document.

interface ReceivedEvent {
  id: number;
  receivedAt: number;
  encoding: string;
  uuid: string;
  type: string;
  payload: string;
  level: string;
  timestamp: number;
  metadata: string;
  title: string;
  origin: string;
}

interface Stats {
  instance?: string;
  dropped?: number;
  maxEvents?: number;
  maxBytes?: number;
}

interface Group {
  uuid: string;
  /** Newest first: by the app's clock, then by arrival. */
  events: ReceivedEvent[];
  exceptions: number;
  logs: number;
  option: HTMLOptionElement;
}

type Item = { group: Group; shown: number } | { event: ReceivedEvent };

const KEY_NAME = 'replaylink.receiver.key';
// What the page holds at most, whatever the receiver keeps: the oldest go first.
const PAGE_MAX_EVENTS = 10_000;
const PAGE_MAX_BYTES = 64 * 1024 * 1024;
// How much of a field reaches the DOM before "Show all".
const LINE_CUT = 300;
const TEXT_CUT = 16 * 1024;
// Past these, JSON is shown as text rather than as a tree.
const TREE_MAX_TEXT = 512 * 1024;
const TREE_MAX_DEPTH = 64;
const TREE_MAX_KEYS = 500;
const MAX_CRUMBS = 200;
const MAX_STACK_LINES = 400;
const OVERSCAN_PX = 600;

// Characters that hide or reorder text: C0/C1 controls, soft hyphen, zero-width and bidi
// formatting, fillers, BOM, tag characters. Shown as ⟨U+XXXX⟩ in ids and titles.
const INVISIBLE =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching them is the point.
  /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u115f\u1160\u17b4\u17b5\u200b-\u200f\u2028-\u202e\u2060-\u206f\u3164\ufeff\uffa0\ufff9-\ufffb]|\u034f|\u180b|\u180c|\u180d|\u180e|\u180f|\udb40[\udc00-\udc7f]/g;

const byId = new Map<number, ReceivedEvent>();
const sizes = new Map<number, number>();
const groups = new Map<string, Group>();
/** Newest group first; a group never moves, so rows do not jump under the reader. */
let groupOrder: Group[] = [];
const levels = new Set<string>();
const expanded = new Set<number>();
const showAll = new Set<string>();
const heights = new Map<number, number>();
let bytes = 0;
let evicted = 0;
let dropped = 0;
let capEvents = PAGE_MAX_EVENTS;
let capBytes = PAGE_MAX_BYTES;
let lastId = 0;
let instance: string | undefined;
let key = sessionStorage.getItem(KEY_NAME) ?? '';
let streamAbort: AbortController | undefined;
let retryTimer: ReturnType<typeof setTimeout> | undefined;

let items: Item[] = [];
let offsets = new Float64Array(1);
let rowHeight = 35;
let headHeight = 59;
let dataDirty = true;
let frame = 0;
const rendered = new Map<string, HTMLElement>();

function $<T extends HTMLElement = HTMLElement>(id: string): T {
  const node = document.getElementById(id);
  if (node === null) throw new Error(`#${id} is missing`);
  return node as T;
}

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className = '',
  text?: string | number,
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = String(text);
  return node;
}

function button(label: string, onClick: () => void, className = ''): HTMLButtonElement {
  const b = el('button', className, label);
  b.type = 'button';
  b.addEventListener('click', onClick);
  return b;
}

const setStatus = (text: string) => {
  $('status').textContent = text;
};

// --- text ---------------------------------------------------------------------------------

const codeOf = (char: string) =>
  `U+${(char.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;

/** Whether the text holds a character that hides or reorders text. */
function hasInvisible(text: string): boolean {
  INVISIBLE.lastIndex = 0;
  const found = INVISIBLE.test(text);
  INVISIBLE.lastIndex = 0;
  return found;
}

/** One line of text, cut, with every invisible or bidi character shown as ⟨U+XXXX⟩. */
function revealed(text: string, max: number): string {
  const cut = text.length > max ? `${text.slice(0, max)}…` : text;
  return cut.replace(INVISIBLE, (char) => `⟨${codeOf(char)}⟩`);
}

/** The same, as nodes: the markers stand out. */
function revealedNodes(text: string, max: number): Node[] {
  const cut = text.length > max ? `${text.slice(0, max)}…` : text;
  const nodes: Node[] = [];
  let at = 0;
  for (const match of cut.matchAll(INVISIBLE)) {
    if (match.index > at) nodes.push(document.createTextNode(cut.slice(at, match.index)));
    nodes.push(el('span', 'invisible', `⟨${codeOf(match[0])}⟩`));
    at = match.index + match[0].length;
  }
  if (at < cut.length) nodes.push(document.createTextNode(cut.slice(at)));
  return nodes;
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** A valid Date for `ms`, or undefined (out of range, not a number). */
function dateOf(ms: unknown): Date | undefined {
  if (typeof ms !== 'number' || !Number.isFinite(ms)) return undefined;
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

function clock(ms: number): string {
  const d = dateOf(ms);
  if (d === undefined) return '--:--:--.---';
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

function span(ms: number): string {
  if (!Number.isFinite(ms)) return '?';
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 86_400_000) return `${(ms / 60000).toFixed(1)} min`;
  return `${(ms / 86_400_000).toFixed(1)} days`;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

function sizeText(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

/** Depth of nested arrays and objects, counted without recursion, stopping past `limit`. */
function depthOf(value: unknown, limit: number): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop() as [unknown, number];
    if (node === null || typeof node !== 'object') continue;
    if (depth + 1 > deepest) deepest = depth + 1;
    if (deepest > limit) return deepest;
    for (const child of Object.values(node)) stack.push([child, depth + 1]);
  }
  return deepest;
}

type Parsed = { value: unknown } | { note: string } | undefined;

/** The JSON in `text` when it can be shown as a tree; a note saying why not; or undefined. */
function parseJson(text: unknown): Parsed {
  if (typeof text !== 'string' || text === '') return undefined;
  const first = text.trimStart().charAt(0);
  if (first !== '{' && first !== '[') return undefined;
  if (text.length > TREE_MAX_TEXT)
    return { note: `${sizeText(text.length)} of JSON: shown as text, not as a tree` };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return error instanceof RangeError
      ? { note: 'JSON too deep to read: shown as text' }
      : undefined;
  }
  if (depthOf(value, TREE_MAX_DEPTH) > TREE_MAX_DEPTH)
    return { note: `JSON nested deeper than ${TREE_MAX_DEPTH} levels: shown as text` };
  return { value };
}

function levelClass(level: unknown): string {
  return `lvl-${String(level || 'none')
    .slice(0, 20)
    .toLowerCase()
    .replace(/[^a-z]/g, '')}`;
}

// --- data ---------------------------------------------------------------------------------

function sizeOf(event: ReceivedEvent): number {
  let n = 64;
  for (const field of [event.uuid, event.payload, event.level, event.metadata, event.title])
    if (typeof field === 'string') n += field.length;
  return n;
}

/** Newest first, by the app's clock then by arrival: `a` goes before `b`. */
function before(a: ReceivedEvent, b: ReceivedEvent): boolean {
  return a.timestamp !== b.timestamp ? a.timestamp > b.timestamp : a.id > b.id;
}

/** Where `event` goes in a newest-first list (binary search, no rescans). */
function slot(list: ReceivedEvent[], event: ReceivedEvent): number {
  let low = 0;
  let high = list.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (before(list[mid] as ReceivedEvent, event)) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** Whether the posted thing has the shape of a stored event; its fields are still hostile. */
function isEvent(value: unknown): value is ReceivedEvent {
  if (typeof value !== 'object' || value === null) return false;
  const e = value as Record<string, unknown>;
  return (
    typeof e.id === 'number' &&
    typeof e.uuid === 'string' &&
    typeof e.timestamp === 'number' &&
    ['payload', 'level', 'metadata', 'title', 'origin', 'type'].every(
      (name) => e[name] === undefined || typeof e[name] === 'string',
    )
  );
}

function groupFor(uuid: string): Group {
  const found = groups.get(uuid);
  if (found) return found;
  const option = el('option', '', (hasInvisible(uuid) ? '⚠ ' : '') + revealed(uuid, 80));
  option.value = uuid;
  $('f-uuid').append(option);
  const group: Group = { uuid, events: [], exceptions: 0, logs: 0, option };
  groups.set(uuid, group);
  groupOrder.unshift(group);
  return group;
}

function add(value: unknown): void {
  if (!isEvent(value) || byId.has(value.id)) return;
  const event: ReceivedEvent = {
    ...value,
    payload: value.payload ?? '',
    level: value.level ?? '',
    metadata: value.metadata ?? '',
    title: value.title ?? '',
    origin: value.origin ?? '',
    type: value.type ?? '',
    encoding: String(value.encoding ?? ''),
  };
  byId.set(event.id, event);
  const size = sizeOf(event);
  sizes.set(event.id, size);
  bytes += size;
  lastId = Math.max(lastId, event.id);
  const group = groupFor(event.uuid);
  group.events.splice(slot(group.events, event), 0, event);
  if (event.type === 'exception') group.exceptions++;
  else group.logs++;
  if (event.level && !levels.has(event.level) && levels.size < 200) {
    levels.add(event.level);
    const option = el('option', '', revealed(event.level, 40));
    option.value = event.level;
    $('f-level').append(option);
  }
  evict();
  dataDirty = true;
}

function remove(event: ReceivedEvent): void {
  byId.delete(event.id);
  bytes -= sizes.get(event.id) ?? 0;
  sizes.delete(event.id);
  expanded.delete(event.id);
  heights.delete(event.id);
  const group = groups.get(event.uuid);
  if (group === undefined) return;
  const at = slot(group.events, event);
  if (group.events[at] === event) group.events.splice(at, 1);
  if (event.type === 'exception') group.exceptions--;
  else group.logs--;
  if (group.events.length === 0) {
    groups.delete(group.uuid);
    groupOrder = groupOrder.filter((g) => g !== group);
    group.option.remove();
  }
}

/** Past the page's cap, the oldest arrivals go first (as on the receiver), and are counted. */
function evict(): void {
  while (byId.size > capEvents || (bytes > capBytes && byId.size > 1)) {
    const oldest = byId.values().next().value as ReceivedEvent;
    remove(oldest);
    evicted++;
  }
}

function adoptStats(stats: Stats): void {
  if (typeof stats.dropped === 'number') dropped = stats.dropped;
  if (typeof stats.maxEvents === 'number' && stats.maxEvents > 0)
    capEvents = Math.min(PAGE_MAX_EVENTS, stats.maxEvents);
  if (typeof stats.maxBytes === 'number' && stats.maxBytes > 0)
    capBytes = Math.min(PAGE_MAX_BYTES, stats.maxBytes);
  evict();
}

function clearAll(): void {
  byId.clear();
  sizes.clear();
  groups.clear();
  groupOrder = [];
  levels.clear();
  expanded.clear();
  showAll.clear();
  heights.clear();
  // Rows are kept by event id, and a restarted receiver uses the same ids again.
  rendered.clear();
  bytes = 0;
  evicted = 0;
  lastId = 0;
  $('f-uuid').replaceChildren(new Option('all', ''));
  $('f-level').replaceChildren(new Option('all', ''));
  dataDirty = true;
  schedule();
}

// --- filter -------------------------------------------------------------------------------

interface Filter {
  uuid: string;
  type: string;
  level: string;
  text: RegExp | undefined;
}

function currentFilter(): Filter {
  const text = $<HTMLInputElement>('f-text').value.trim();
  return {
    uuid: $<HTMLSelectElement>('f-uuid').value,
    type: $<HTMLSelectElement>('f-type').value,
    level: $<HTMLSelectElement>('f-level').value,
    text: text ? new RegExp(text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'i') : undefined,
  };
}

function matches(event: ReceivedEvent, f: Filter): boolean {
  if (f.type && event.type !== f.type) return false;
  if (f.level && event.level !== f.level) return false;
  if (f.text && !f.text.test(event.title) && !f.text.test(event.payload)) return false;
  return true;
}

/** The rows to show, from the data: a header per recording, then its matching events. */
function buildItems(): void {
  const f = currentFilter();
  const all = !f.type && !f.level && !f.text;
  items = [];
  for (const group of groupOrder) {
    if (f.uuid && group.uuid !== f.uuid) continue;
    const shown = all ? group.events : group.events.filter((e) => matches(e, f));
    if (shown.length === 0) continue;
    items.push({ group, shown: shown.length });
    for (const event of shown) items.push({ event });
  }
  layout();
  summarize();
  dataDirty = false;
}

function heightOf(item: Item): number {
  if ('group' in item) return headHeight;
  return expanded.has(item.event.id) ? (heights.get(item.event.id) ?? rowHeight * 4) : rowHeight;
}

function layout(): void {
  offsets = new Float64Array(items.length + 1);
  for (let i = 0; i < items.length; i++)
    offsets[i + 1] = (offsets[i] as number) + heightOf(items[i] as Item);
}

/** The first item whose bottom is below `y`. */
function itemAt(y: number): number {
  let low = 0;
  let high = items.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if ((offsets[mid + 1] as number) <= y) low = mid + 1;
    else high = mid;
  }
  return low;
}

function shownEvents(): ReceivedEvent[] {
  if (dataDirty) buildItems();
  const list: ReceivedEvent[] = [];
  for (const item of items) if ('event' in item) list.push(item.event);
  return list;
}

function summarize(): void {
  let shown = 0;
  for (const item of items) if ('group' in item) shown += item.shown;
  let text =
    byId.size === 0
      ? 'No events yet. Point init({ endpoint }) at this receiver.'
      : `${shown} of ${plural(byId.size, 'event')} shown in ${plural(groups.size, 'recording')}`;
  if (dropped) text += ` · ${dropped} older dropped by the receiver`;
  if (evicted)
    text += ` · ${evicted} older let go by this page (it keeps ${capEvents} events, ${sizeText(capBytes)})`;
  $('summary').textContent = text;
}

// --- rendering ----------------------------------------------------------------------------

function schedule(): void {
  if (frame === 0) frame = requestAnimationFrame(render);
}

function groupNode(group: Group, shown: number): HTMLElement {
  const node = el('div', 'group-head');
  node.dataset.uuid = group.uuid;
  const title = el('h2');
  title.title = group.uuid.length > 2000 ? `${group.uuid.slice(0, 2000)}…` : group.uuid;
  if (hasInvisible(group.uuid))
    title.append(
      el('span', 'flag', '⚠ invisible or bidi characters'),
      ' ',
      ...revealedNodes(group.uuid, 200),
    );
  else title.append(...revealedNodes(group.uuid, 200));
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  for (const e of group.events) {
    if (dateOf(e.timestamp) === undefined) continue;
    first = Math.min(first, e.timestamp);
    last = Math.max(last, e.timestamp);
  }
  const counts = `${plural(group.exceptions, 'exception')} · ${plural(group.logs, 'log')}`;
  const when = first <= last ? ` · ${clock(first)} – ${clock(last)} (${span(last - first)})` : '';
  const filtered = shown < group.events.length ? ` · ${shown} shown` : '';
  node.append(title, el('p', 'meta', counts + when + filtered));
  return node;
}

function eventNode(event: ReceivedEvent): HTMLElement {
  const open = expanded.has(event.id);
  const node = el('div', `event type-${event.type === 'exception' ? 'exception' : 'log'}`);
  if (open) node.classList.add('open');
  node.dataset.id = String(event.id);
  node.dataset.uuid = event.uuid.slice(0, 200);
  node.dataset.timestamp = String(event.timestamp);
  const line = button('', () => toggle(event.id), 'summary-line');
  line.setAttribute('aria-expanded', String(open));
  const titleText =
    event.title || event.payload.slice(0, LINE_CUT).split('\n', 1)[0] || '(no title)';
  const title = el('span', 'title');
  if (hasInvisible(event.title)) title.append(el('span', 'flag', '⚠'), ' ');
  title.append(...revealedNodes(titleText, LINE_CUT));
  const time = el('time', 'time', clock(event.timestamp));
  if (dateOf(event.timestamp) === undefined) time.classList.add('note');
  line.append(
    time,
    el('span', 'badge type', event.type.slice(0, 12)),
    el('span', `badge lvl ${levelClass(event.level)}`, revealed(event.level || '-', 20)),
    title,
  );
  node.append(line);
  if (open) node.append(safeBody(event));
  return node;
}

function toggle(id: number): void {
  if (expanded.has(id)) expanded.delete(id);
  else expanded.add(id);
  rendered.delete(`e${id}`);
  layout();
  schedule();
  requestAnimationFrame(() => {
    const row = document.querySelector<HTMLElement>(`.event[data-id="${id}"] > .summary-line`);
    row?.focus({ preventScroll: true });
  });
}

function render(): void {
  frame = 0;
  if (dataDirty) {
    buildItems();
    // An event's row depends on the event alone (and its open state, which drops it when it
    // changes): only the headers, which count, are rebuilt.
    for (const k of rendered.keys()) if (k.startsWith('g')) rendered.delete(k);
  }
  const list = $('list');
  const top = list.getBoundingClientRect().top + window.scrollY;
  const from = itemAt(window.scrollY - top - OVERSCAN_PX);
  const to = Math.min(
    items.length,
    itemAt(window.scrollY - top + window.innerHeight + OVERSCAN_PX) + 1,
  );
  const wanted: HTMLElement[] = [];
  const keep = new Map<string, HTMLElement>();
  for (let i = from; i < to; i++) {
    const item = items[i] as Item;
    const itemKey = 'group' in item ? `g${item.group.uuid}` : `e${item.event.id}`;
    let node = rendered.get(itemKey);
    if (node === undefined)
      node = 'group' in item ? groupNode(item.group, item.shown) : eventNode(item.event);
    keep.set(itemKey, node);
    wanted.push(node);
  }
  rendered.clear();
  for (const [k, node] of keep) rendered.set(k, node);
  const rows = $('rows');
  // Rows that stay are not moved (moving one would drop its focus): the others go, the new
  // ones are put in place.
  const wantedSet = new Set<Node>(wanted);
  for (const child of Array.from(rows.children)) if (!wantedSet.has(child)) child.remove();
  let cursor = rows.firstChild;
  for (const node of wanted) {
    if (node === cursor) cursor = cursor.nextSibling;
    else rows.insertBefore(node, cursor);
  }
  $('pad-top').style.height = `${offsets[from] ?? 0}px`;
  $('pad-bottom').style.height = `${(offsets[items.length] ?? 0) - (offsets[to] ?? 0)}px`;
  if (measure()) {
    layout();
    schedule();
  }
  performance.mark('replaylink:render');
}

/** Reads the real heights of what is on screen; true when the layout must be redone. */
function measure(): boolean {
  let changed = false;
  for (const node of rendered.values()) {
    const height = node.offsetHeight;
    if (height === 0) continue;
    if (node.classList.contains('group-head')) {
      if (height !== headHeight) {
        headHeight = height;
        changed = true;
      }
    } else if (node.classList.contains('open')) {
      const id = Number(node.dataset.id);
      if (heights.get(id) !== height) {
        heights.set(id, height);
        changed = true;
      }
    } else if (height !== rowHeight) {
      rowHeight = height;
      changed = true;
    }
  }
  return changed;
}

// --- an event's body ----------------------------------------------------------------------

/** The body, or when it cannot be built, the reason and the raw fields (cut). */
function safeBody(event: ReceivedEvent): HTMLElement {
  try {
    return eventBody(event);
  } catch (error) {
    const body = el('div', 'body');
    body.append(
      el(
        'p',
        'note',
        `This event cannot be shown in full (${error instanceof Error ? error.name : 'error'}); its fields as text:`,
      ),
      cutText(event, 'payload', event.payload),
      cutText(event, 'metadata', event.metadata),
      actions(event),
    );
    return body;
  }
}

/** A block of text, cut at TEXT_CUT with a "Show all" button. */
function cutText(
  event: ReceivedEvent,
  part: string,
  text: string,
  build: (text: string) => HTMLElement = (t) => el('pre', '', t),
): HTMLElement {
  const whole = showAll.has(`${event.id}:${part}`);
  if (whole || text.length <= TEXT_CUT) return build(text);
  const box = el('div');
  const more = button(
    `Show all (${sizeText(text.length)})`,
    () => {
      showAll.add(`${event.id}:${part}`);
      rendered.delete(`e${event.id}`);
      schedule();
    },
    'more',
  );
  box.append(build(`${text.slice(0, TEXT_CUT)}…`), more);
  return box;
}

function tree(value: unknown, depth: number): Node {
  if (value === null) return el('span', 'null', 'null');
  if (typeof value !== 'object') {
    const text = typeof value === 'string' ? JSON.stringify(value) : String(value);
    return el('span', typeof value, text.length > TEXT_CUT ? `${text.slice(0, TEXT_CUT)}…` : text);
  }
  const isArray = Array.isArray(value);
  const keys = Object.keys(value);
  const details = el('details');
  details.append(
    el('summary', '', isArray ? `[${keys.length} items]` : `{${plural(keys.length, 'key')}}`),
  );
  // Children are built when opened: a wide or deep tree costs nothing until read.
  const fill = () => {
    if (details.childElementCount > 1) return;
    const list = el('ul');
    for (const k of keys.slice(0, TREE_MAX_KEYS)) {
      const item = el('li');
      item.append(
        el('span', 'key', isArray ? k : revealed(JSON.stringify(k), LINE_CUT)),
        ': ',
        tree((value as Record<string, unknown>)[k], depth + 1),
      );
      list.append(item);
    }
    if (keys.length > TREE_MAX_KEYS)
      list.append(el('li', 'note', `… ${keys.length - TREE_MAX_KEYS} more`));
    details.append(list);
  };
  if (depth < 2) {
    details.open = true;
    fill();
  } else {
    details.addEventListener('toggle', fill);
  }
  return details;
}

function stackBlock(text: string): HTMLElement {
  const pre = el('pre', 'stack');
  const lines = text.split('\n');
  for (const line of lines.slice(0, MAX_STACK_LINES)) {
    let kind = 'message';
    if (/^\s*at\s/.test(line)) {
      kind = /node_modules[\\/]|\(node:|\bat node:|\(internal\/|<anonymous>\)?$/.test(line)
        ? 'vendor'
        : 'app';
    } else if (/^\s*(\[cause\]|Caused by:)/.test(line)) {
      kind = 'cause';
    }
    pre.append(el('span', `line ${kind}`, line));
  }
  if (lines.length > MAX_STACK_LINES)
    pre.append(el('span', 'line note', `… ${lines.length - MAX_STACK_LINES} more lines`));
  return pre;
}

function section(title: string, ...content: Node[]): HTMLElement {
  const box = el('div', 'part');
  box.append(el('h3', '', title), ...content);
  return box;
}

function breadcrumbs(list: unknown[]): HTMLElement {
  const ol = el('ol', 'crumbs');
  for (const crumb of list.slice(0, MAX_CRUMBS)) {
    if (typeof crumb !== 'object' || crumb === null) continue;
    const c = crumb as { level?: unknown; message?: unknown; offsetMs?: unknown };
    const li = el(
      'li',
      `crumb-${String(c.level ?? '')
        .slice(0, 20)
        .toLowerCase()}`,
    );
    const offset = Number(c.offsetMs);
    const message = typeof c.message === 'string' ? c.message : String(JSON.stringify(c.message));
    li.append(
      el('span', 'time', Number.isFinite(offset) ? `${offset >= 0 ? '+' : ''}${offset} ms` : ''),
      el('span', `badge ${levelClass(c.level)}`, String(c.level ?? '').slice(0, 20)),
      el('span', '', message.length > TEXT_CUT ? `${message.slice(0, TEXT_CUT)}…` : message),
    );
    ol.append(li);
  }
  if (list.length > MAX_CRUMBS) ol.append(el('li', 'note', `… ${list.length - MAX_CRUMBS} more`));
  return ol;
}

function jsonBlock(event: ReceivedEvent, part: string, text: string, className: string): Node[] {
  const parsed = parseJson(text);
  if (parsed !== undefined && 'value' in parsed) {
    const box = el('div', `tree ${className}`);
    box.append(tree(parsed.value, 0));
    return [box];
  }
  const nodes: Node[] = [];
  if (parsed !== undefined) nodes.push(el('p', 'note', parsed.note));
  nodes.push(cutText(event, part, text, (t) => el('pre', className, t)));
  return nodes;
}

function actions(event: ReceivedEvent): HTMLElement {
  const box = el('div', 'row-actions');
  box.append(button('Copy event as JSON', () => copyJson([event], `event ${event.id}`)));
  return box;
}

function eventBody(event: ReceivedEvent): HTMLElement {
  const body = el('div', 'body');
  if (hasInvisible(event.uuid) || hasInvisible(event.title))
    body.append(
      el(
        'p',
        'note',
        'The recording id or title holds invisible or bidi characters, shown as ⟨U+…⟩.',
      ),
    );
  if (event.title.length > LINE_CUT)
    body.append(section('Title', cutText(event, 'title', event.title)));
  const metadata = parseJson(event.metadata);
  const meta = metadata !== undefined && 'value' in metadata ? metadata.value : undefined;
  const crumbs = (meta as { breadcrumbs?: unknown } | undefined)?.breadcrumbs;
  if (Array.isArray(crumbs) && crumbs.length > 0)
    body.append(section('Breadcrumbs before the error', breadcrumbs(crumbs)));
  if (event.type === 'exception')
    body.append(section('Stack', cutText(event, 'payload', event.payload, stackBlock)));
  else body.append(section('Payload', ...jsonBlock(event, 'payload', event.payload, 'payload')));
  if (event.metadata)
    body.append(section('Metadata', ...jsonBlock(event, 'metadata', event.metadata, 'metadata')));
  const date = dateOf(event.timestamp);
  const when = date ? date.toISOString() : `timestamp ${event.timestamp} is not a valid date`;
  const info = el(
    'p',
    'time',
    `id ${event.id} · ${when}${event.origin ? ` · origin ${revealed(event.origin, LINE_CUT)}` : ''} · ${revealed(event.encoding, 20)}`,
  );
  body.append(info, actions(event));
  return body;
}

// --- copy ---------------------------------------------------------------------------------

/** The event with its metadata as a tree when it can be one; the JSON text otherwise. */
function readable(event: ReceivedEvent): Record<string, unknown> {
  const parsed = parseJson(event.metadata);
  return parsed !== undefined && 'value' in parsed
    ? { ...event, metadata: parsed.value }
    : { ...event };
}

function copyJson(events: ReceivedEvent[], what: string): void {
  let text: string;
  try {
    text = JSON.stringify(events.map(readable), null, 2);
  } catch (error) {
    setStatus(`Copy failed: ${error instanceof Error ? error.message : String(error)}`);
    return;
  }
  if (!navigator.clipboard?.writeText) {
    setStatus('Copy needs a browser with the clipboard API');
    return;
  }
  navigator.clipboard.writeText(text).then(
    () => setStatus(`Copied ${what} as JSON`),
    (error: unknown) =>
      setStatus(`Copy failed: ${error instanceof Error ? error.message : String(error)}`),
  );
}

// --- talking to the receiver --------------------------------------------------------------

class Refused extends Error {}

function showKeyForm(message: string): void {
  $('key-form').hidden = false;
  $('controls').hidden = true;
  const error = $('key-error');
  error.hidden = !message;
  error.textContent = message;
  $('key-input').focus();
}

async function api(path: string, init: RequestInit = {}): Promise<Response> {
  const headers = { authorization: `Bearer ${key}`, ...(init.headers as Record<string, string>) };
  const res = await fetch(path, { ...init, headers, cache: 'no-store' });
  if (res.status === 401) {
    stopStream();
    setStatus('Not connected');
    showKeyForm(
      'The receiver refused this API key (401). Enter the key it was started with: ' +
        'REPLAYLINK_RECEIVER_KEY, --api-key-file or --api-key.',
    );
    throw new Refused();
  }
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  return res;
}

function stopStream(): void {
  streamAbort?.abort();
  streamAbort = undefined;
  clearTimeout(retryTimer);
}

function onMessage(name: string, data: string): void {
  let parsed: unknown;
  try {
    parsed = JSON.parse(data);
  } catch {
    return;
  }
  if (name === 'hello') {
    const id = (parsed as { instance?: unknown }).instance;
    // Another receiver (a restart): its ids start again at 1, so the list is loaded afresh.
    if (typeof id === 'string' && instance !== undefined && id !== instance) {
      setStatus('The receiver restarted; reloading…');
      void start();
    } else if (typeof id === 'string') {
      instance = id;
    }
  } else if (name === 'event') {
    add(parsed);
    schedule();
  } else if (name === 'clear') {
    clearAll();
  } else if (name === 'stats') {
    adoptStats(parsed as Stats);
    dataDirty = true;
    schedule();
  }
}

// EventSource cannot send headers, so the stream is read with fetch to keep the key out of URLs.
async function connect(): Promise<void> {
  stopStream();
  const controller = new AbortController();
  streamAbort = controller;
  try {
    const res = await api('/events/stream', {
      signal: controller.signal,
      headers: { 'last-event-id': String(lastId) },
    });
    if (res.body === null) throw new Error('no stream');
    setStatus('Live');
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    for (;;) {
      const chunk = await reader.read();
      if (chunk.done) throw new Error('stream ended');
      buffer += chunk.value.replace(/\r\n?/g, '\n');
      for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        let name = 'message';
        const data: string[] = [];
        for (const line of block.split('\n')) {
          if (line.startsWith('event:')) name = line.slice(6).trim();
          else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
        }
        if (data.length > 0) onMessage(name, data.join('\n'));
      }
    }
  } catch (error) {
    if (error instanceof Refused || controller.signal.aborted) return;
    setStatus('Disconnected; reconnecting…');
    retryTimer = setTimeout(() => void connect(), 2000);
  }
}

async function load(): Promise<void> {
  let after = 0;
  for (;;) {
    const res = await api(`/events?limit=1000&after=${after}`);
    const page = (await res.json()) as Stats & { events: unknown[]; next: number | null };
    if (typeof page.instance === 'string') instance = page.instance;
    adoptStats(page);
    for (const event of page.events) add(event);
    schedule();
    if (page.next === null) return;
    after = page.next;
  }
}

async function start(): Promise<void> {
  stopStream();
  $('key-form').hidden = true;
  $('key-error').hidden = true;
  $('controls').hidden = false;
  setStatus('Loading…');
  instance = undefined;
  clearAll();
  try {
    await load();
  } catch (error) {
    if (!(error instanceof Refused))
      setStatus(`Could not load events: ${error instanceof Error ? error.message : String(error)}`);
    return;
  }
  void connect();
}

$('key-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const input = $<HTMLInputElement>('key-input');
  key = input.value.trim();
  if (!key) return showKeyForm('Enter the API key.');
  sessionStorage.setItem(KEY_NAME, key);
  input.value = '';
  void start();
});
$('forget').addEventListener('click', () => {
  stopStream();
  sessionStorage.removeItem(KEY_NAME);
  key = '';
  setStatus('Not connected');
  showKeyForm('');
});
const refilter = () => {
  dataDirty = true;
  schedule();
};
for (const id of ['f-uuid', 'f-type', 'f-level']) $(id).addEventListener('change', refilter);
$('f-text').addEventListener('input', refilter);
$('copy').addEventListener('click', () => {
  const list = shownEvents();
  copyJson(list, plural(list.length, 'event'));
});
$('clear').addEventListener('click', () => {
  if (!confirm(`Delete all ${plural(byId.size, 'event')} from the receiver?`)) return;
  api('/events', { method: 'DELETE' }).then(
    () => {
      clearAll();
      setStatus('Cleared');
    },
    (error: unknown) => {
      if (!(error instanceof Refused))
        setStatus(`Clear failed: ${error instanceof Error ? error.message : String(error)}`);
    },
  );
});
window.addEventListener('scroll', schedule, { passive: true });
window.addEventListener('resize', schedule);
// An open row that changes height (a tree opened, the viewport narrowed) moves those below.
new ResizeObserver(() => {
  if (measure()) {
    layout();
    schedule();
  }
}).observe($('rows'));

if (key) void start();
else {
  setStatus('Not connected');
  showKeyForm('');
}

export {};
