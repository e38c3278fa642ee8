// The receiver's page, shipped as strings so that it works from both builds with no file
// lookups. Plain DOM code: every piece of event text goes in through textContent, because
// events are hostile input. The page holds no data; it asks for the key and fetches.

export const PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>replaylink receiver</title>
<link rel="stylesheet" href="/page.css">
<script src="/page.js" defer></script>
</head>
<body>
<header class="bar">
  <h1>replaylink receiver</h1>
  <p id="status" role="status" aria-live="polite">Starting…</p>
</header>
<main>
  <form id="key-form" class="panel" autocomplete="off">
    <label for="key-input">API key</label>
    <input id="key-input" name="key" type="password" spellcheck="false"
      placeholder="the --api-key the receiver was started with">
    <button type="submit">Use key</button>
    <p id="key-error" class="error" role="alert" hidden></p>
  </form>
  <section id="controls" class="panel" aria-label="Filters and actions" hidden>
    <label>Recording <select id="f-uuid"><option value="">all</option></select></label>
    <label>Type <select id="f-type"><option value="">all</option>
      <option value="exception">exception</option><option value="log">log</option></select></label>
    <label>Level <select id="f-level"><option value="">all</option></select></label>
    <label class="grow">Search <input id="f-text" type="search"
      placeholder="title or payload"></label>
    <span class="actions">
      <button type="button" id="copy">Copy as JSON</button>
      <button type="button" id="clear" class="danger">Clear</button>
      <button type="button" id="forget">Change key</button>
    </span>
  </section>
  <p id="summary" class="summary"></p>
  <div id="groups"></div>
</main>
</body>
</html>
`;

export const PAGE_STYLE = `:root {
  color-scheme: light dark;
  --bg: #f7f7f8; --fg: #1b1c1f; --muted: #5d6169; --panel: #ffffff; --line: #d9dbe0;
  --accent: #2554c7; --error: #b3261e; --warn: #8a5a00; --info: #1f6f43; --code: #f0f1f4;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #15171b; --fg: #e7e8ea; --muted: #9aa0aa; --panel: #1e2126; --line: #343841;
    --accent: #8fb0ff; --error: #ff8a80; --warn: #f2c14e; --info: #7bd69a; --code: #262a31;
  }
}
* { box-sizing: border-box; }
html { background: var(--bg); color: var(--fg); }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; }
main { max-width: 1200px; margin: 0 auto; padding: 0 12px 48px; }
.bar { display: flex; flex-wrap: wrap; gap: 4px 16px; align-items: baseline;
  padding: 10px 12px; border-bottom: 1px solid var(--line); background: var(--panel); }
.bar h1 { font-size: 17px; margin: 0; }
.bar p { margin: 0; color: var(--muted); }
.panel { display: flex; flex-wrap: wrap; gap: 8px 12px; align-items: end; margin: 12px 0;
  padding: 10px 12px; background: var(--panel); border: 1px solid var(--line); border-radius: 8px; }
.panel label { display: flex; flex-direction: column; gap: 2px; font-size: 13px; color: var(--muted);
  min-width: 0; }
.panel .grow { flex: 1 1 160px; }
#key-form input { flex: 1 1 200px; }
input, select, button { font: inherit; color: inherit; background: var(--bg);
  border: 1px solid var(--line); border-radius: 6px; padding: 5px 8px; min-width: 0; max-width: 100%; }
select { max-width: 220px; }
button { cursor: pointer; background: var(--panel); }
button:hover { border-color: var(--accent); }
.danger { color: var(--error); }
.actions { display: flex; flex-wrap: wrap; gap: 8px; }
:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
.error { color: var(--error); font-weight: 600; margin: 0; flex-basis: 100%; }
.summary { color: var(--muted); margin: 8px 0; }
.group { margin: 14px 0; background: var(--panel); border: 1px solid var(--line); border-radius: 8px; }
.group > header { padding: 8px 12px; border-bottom: 1px solid var(--line);
  display: flex; flex-wrap: wrap; gap: 2px 14px; align-items: baseline; }
.group h2 { font-size: 14px; margin: 0; font-family: ui-monospace, Menlo, Consolas, monospace;
  overflow-wrap: anywhere; }
.group .meta { color: var(--muted); font-size: 13px; }
.events { list-style: none; margin: 0; padding: 0; }
.event { border-top: 1px solid var(--line); }
.event:first-child { border-top: 0; }
.event > details > summary { display: flex; flex-wrap: wrap; gap: 2px 10px; align-items: baseline;
  padding: 7px 12px; cursor: pointer; list-style: none; }
.event > details > summary::-webkit-details-marker { display: none; }
.event > details > summary::before { content: "▸"; color: var(--muted); }
.event > details[open] > summary::before { content: "▾"; }
.time { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 12px; color: var(--muted); }
.badge { font-size: 12px; font-weight: 600; text-transform: uppercase; letter-spacing: .02em; }
.type-exception .badge.type { color: var(--error); }
.lvl-error, .lvl-fatal { color: var(--error); }
.lvl-warn, .lvl-warning { color: var(--warn); }
.lvl-info, .lvl-log { color: var(--info); }
.lvl-debug, .lvl-trace { color: var(--muted); }
.title { flex: 1 1 200px; min-width: 0; overflow-wrap: anywhere; font-weight: 500; }
.body { padding: 4px 12px 12px 30px; display: grid; gap: 10px; min-width: 0; }
.body h3 { font-size: 12px; text-transform: uppercase; color: var(--muted); margin: 0 0 4px; }
pre, .tree { font: 12.5px/1.5 ui-monospace, Menlo, Consolas, monospace; margin: 0; padding: 8px;
  background: var(--code); border-radius: 6px; white-space: pre-wrap; overflow-wrap: anywhere;
  min-width: 0; }
.stack .line { display: block; }
.stack .app { font-weight: 700; }
.stack .vendor { color: var(--muted); }
.stack .cause { color: var(--error); font-weight: 600; }
.tree ul { list-style: none; margin: 0; padding-left: 16px; }
.tree details > summary { cursor: pointer; color: var(--muted); }
.tree .key { color: var(--accent); }
.tree .string { overflow-wrap: anywhere; }
.tree .number, .tree .boolean, .tree .null { color: var(--warn); }
.crumbs { list-style: none; margin: 0; padding: 0 0 0 10px; border-left: 2px solid var(--line); }
.crumbs li { display: flex; flex-wrap: wrap; gap: 0 8px; padding: 2px 0; overflow-wrap: anywhere; }
.crumbs .crumb-error { color: var(--error); font-weight: 600; }
.row-actions { display: flex; gap: 8px; flex-wrap: wrap; }
.empty { color: var(--muted); padding: 24px 0; text-align: center; }
[hidden] { display: none !important; }
`;

export const PAGE_SCRIPT = String.raw`'use strict';
(function () {
  var KEY_NAME = 'replaylink.receiver.key';
  var byId = new Map();
  var groups = new Map();
  var levels = new Set();
  var lastId = 0;
  var dropped = 0;
  var key = sessionStorage.getItem(KEY_NAME) || '';
  var streamAbort = null;
  var retryTimer = null;
  var $ = function (id) { return document.getElementById(id); };

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = String(text);
    return node;
  }

  function setStatus(text) { $('status').textContent = text; }

  function showKeyForm(message) {
    $('key-form').hidden = false;
    $('controls').hidden = true;
    var error = $('key-error');
    error.hidden = !message;
    error.textContent = message || '';
    $('key-input').focus();
  }

  function Refused() {}

  function api(path, init) {
    init = init || {};
    var headers = Object.assign({ authorization: 'Bearer ' + key }, init.headers || {});
    return fetch(path, Object.assign({}, init, { headers: headers, cache: 'no-store' }))
      .then(function (res) {
        if (res.status === 401) {
          stopStream();
          setStatus('Not connected');
          showKeyForm('The receiver refused this API key (401). Enter the key it was started ' +
            'with: --api-key, or REPLAYLINK_API_KEY.');
          throw new Refused();
        }
        if (!res.ok) throw new Error('HTTP ' + res.status);
        return res;
      });
  }

  function pad(n, width) { return String(n).padStart(width || 2, '0'); }
  function clock(ms) {
    var d = new Date(ms);
    if (isNaN(d.getTime())) return String(ms);
    return pad(d.getHours()) + ':' + pad(d.getMinutes()) + ':' + pad(d.getSeconds()) + '.' +
      pad(d.getMilliseconds(), 3);
  }
  function span(ms) {
    if (ms < 1000) return ms + ' ms';
    if (ms < 60000) return (ms / 1000).toFixed(1) + ' s';
    return (ms / 60000).toFixed(1) + ' min';
  }
  function plural(n, word) { return n + ' ' + word + (n === 1 ? '' : 's'); }
  function parseJson(text) {
    if (typeof text !== 'string' || text === '') return undefined;
    var first = text.trim().charAt(0);
    if (first !== '{' && first !== '[') return undefined;
    try { return JSON.parse(text); } catch (e) { return undefined; }
  }
  function levelClass(level) {
    return 'lvl-' + String(level || 'none').toLowerCase().replace(/[^a-z]/g, '');
  }

  function tree(value, depth) {
    if (value === null) return el('span', 'null', 'null');
    if (typeof value !== 'object') {
      return el('span', typeof value, typeof value === 'string' ? JSON.stringify(value) : value);
    }
    var isArray = Array.isArray(value);
    var keys = Object.keys(value);
    var details = el('details');
    details.open = depth < 2;
    details.append(el('summary', '', isArray ? '[' + keys.length + ' items]' : '{' +
      plural(keys.length, 'key') + '}'));
    var list = el('ul');
    keys.forEach(function (k) {
      var item = el('li');
      item.append(el('span', 'key', isArray ? k : JSON.stringify(k)), ': ', tree(value[k], depth + 1));
      list.append(item);
    });
    details.append(list);
    return details;
  }

  function stackBlock(text) {
    var pre = el('pre', 'stack');
    text.split('\n').forEach(function (line) {
      var kind = 'message';
      if (/^\s*at\s/.test(line)) {
        kind = /node_modules[\\/]|\(node:|\bat node:|\(internal\/|<anonymous>\)?$/.test(line)
          ? 'vendor' : 'app';
      } else if (/^\s*(\[cause\]|Caused by:)/.test(line)) {
        kind = 'cause';
      }
      pre.append(el('span', 'line ' + kind, line));
    });
    return pre;
  }

  function section(title, content) {
    var box = el('div', 'part');
    box.append(el('h3', '', title), content);
    return box;
  }

  function breadcrumbs(list) {
    var ol = el('ol', 'crumbs');
    list.forEach(function (crumb) {
      if (typeof crumb !== 'object' || crumb === null) return;
      var li = el('li', 'crumb-' + String(crumb.level || '').toLowerCase());
      var offset = Number(crumb.offsetMs);
      li.append(el('span', 'time', isFinite(offset) ? (offset >= 0 ? '+' : '') + offset + ' ms' : ''),
        el('span', 'badge ' + levelClass(crumb.level), crumb.level || ''),
        el('span', '', typeof crumb.message === 'string' ? crumb.message : JSON.stringify(crumb.message)));
      ol.append(li);
    });
    return ol;
  }

  function copyText(text, what) {
    var done = function () { setStatus('Copied ' + what + ' as JSON'); };
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(text).then(done, function () { setStatus('Copy failed'); });
    } else {
      setStatus('Copy needs a browser with the clipboard API');
    }
  }

  function readable(event) {
    var copy = Object.assign({}, event);
    var metadata = parseJson(event.metadata);
    if (metadata !== undefined) copy.metadata = metadata;
    return copy;
  }

  function eventBody(event) {
    var body = el('div', 'body');
    var metadata = parseJson(event.metadata);
    if (metadata && Array.isArray(metadata.breadcrumbs) && metadata.breadcrumbs.length) {
      body.append(section('Breadcrumbs before the error', breadcrumbs(metadata.breadcrumbs)));
    }
    if (event.type === 'exception') {
      body.append(section('Stack', stackBlock(event.payload || '')));
    } else {
      var payload = parseJson(event.payload);
      var box = el('div', 'tree');
      if (payload !== undefined) box.append(tree(payload, 0));
      else box = el('pre', '', event.payload);
      body.append(section('Payload', box));
    }
    if (metadata !== undefined) {
      var t = el('div', 'tree metadata');
      t.append(tree(metadata, 0));
      body.append(section('Metadata', t));
    } else if (event.metadata) {
      body.append(section('Metadata', el('pre', '', event.metadata)));
    }
    var info = el('p', 'time', 'id ' + event.id + ' · ' + new Date(event.timestamp).toISOString() +
      (event.origin ? ' · origin ' + event.origin : '') + ' · ' + event.encoding);
    var actions = el('div', 'row-actions');
    var copy = el('button', '', 'Copy event as JSON');
    copy.type = 'button';
    copy.addEventListener('click', function () {
      copyText(JSON.stringify(readable(event), null, 2), 'event ' + event.id);
    });
    actions.append(copy);
    body.append(info, actions);
    return body;
  }

  function eventNode(event) {
    var li = el('li', 'event type-' + (event.type === 'exception' ? 'exception' : 'log'));
    li.dataset.id = String(event.id);
    li.dataset.timestamp = String(event.timestamp);
    var details = el('details');
    var summary = el('summary');
    summary.append(
      el('time', 'time', clock(event.timestamp)),
      el('span', 'badge type', event.type),
      el('span', 'badge ' + levelClass(event.level), event.level || '-'),
      el('span', 'title', event.title || (event.payload || '').split('\n', 1)[0] || '(no title)'));
    details.append(summary);
    // The body is built when first opened: most rows are never expanded.
    details.addEventListener('toggle', function () {
      if (details.open && details.childElementCount === 1) details.append(eventBody(event));
    });
    li.append(details);
    return li;
  }

  function groupFor(uuid) {
    var group = groups.get(uuid);
    if (group) return group;
    var node = el('section', 'group');
    node.dataset.uuid = uuid;
    var header = el('header');
    var title = el('h2', '', uuid);
    var meta = el('span', 'meta');
    header.append(title, meta);
    var list = el('ol', 'events');
    node.append(header, list);
    group = { uuid: uuid, node: node, meta: meta, list: list, exceptions: 0, logs: 0,
      first: Infinity, last: -Infinity };
    groups.set(uuid, group);
    // A new recording goes on top; existing groups never move, so rows do not jump under the reader.
    $('groups').prepend(node);
    var option = el('option', '', uuid);
    option.value = uuid;
    $('f-uuid').append(option);
    return group;
  }

  function describe(group) {
    group.meta.textContent = plural(group.exceptions, 'exception') + ' · ' +
      plural(group.logs, 'log') + ' · ' + clock(group.first) + ' – ' + clock(group.last) +
      ' (' + span(Math.max(0, group.last - group.first)) + ')';
  }

  function newer(a, b) {
    return a.timestamp !== b.timestamp ? a.timestamp > b.timestamp : a.id > b.id;
  }

  function add(event) {
    if (!event || typeof event.id !== 'number' || byId.has(event.id)) return;
    byId.set(event.id, event);
    lastId = Math.max(lastId, event.id);
    var group = groupFor(String(event.uuid));
    if (event.type === 'exception') group.exceptions++;
    else group.logs++;
    group.first = Math.min(group.first, event.timestamp);
    group.last = Math.max(group.last, event.timestamp);
    describe(group);
    var node = eventNode(event);
    node.hidden = !matches(event);
    // Newest first by the app's clock (senders deliver concurrently), then by arrival.
    var before = null;
    for (var child = group.list.firstElementChild; child; child = child.nextElementSibling) {
      if (newer(event, byId.get(Number(child.dataset.id)))) { before = child; break; }
    }
    group.list.insertBefore(node, before);
    var level = String(event.level || '');
    if (level && !levels.has(level)) {
      levels.add(level);
      var option = el('option', '', level);
      option.value = level;
      $('f-level').append(option);
    }
  }

  function filters() {
    return { uuid: $('f-uuid').value, type: $('f-type').value, level: $('f-level').value,
      text: $('f-text').value.trim().toLowerCase() };
  }
  function matches(event, f) {
    f = f || filters();
    if (f.uuid && event.uuid !== f.uuid) return false;
    if (f.type && event.type !== f.type) return false;
    if (f.level && event.level !== f.level) return false;
    if (f.text && (String(event.title) + '\n' + String(event.payload)).toLowerCase()
      .indexOf(f.text) < 0) return false;
    return true;
  }

  function applyFilters() {
    var f = filters();
    groups.forEach(function (group) {
      var shown = 0;
      for (var child = group.list.firstElementChild; child; child = child.nextElementSibling) {
        var visible = matches(byId.get(Number(child.dataset.id)), f);
        child.hidden = !visible;
        if (visible) shown++;
      }
      group.node.hidden = shown === 0;
    });
    summarize();
  }

  function visibleEvents() {
    var f = filters();
    return Array.from(byId.values()).filter(function (e) { return matches(e, f); })
      .sort(function (a, b) { return b.id - a.id; });
  }

  function summarize() {
    var shown = visibleEvents().length;
    var text = byId.size === 0 ? 'No events yet. Point init({ endpoint }) at this receiver.'
      : shown + ' of ' + plural(byId.size, 'event') + ' shown in ' + plural(groups.size, 'recording');
    if (dropped) text += ' · ' + dropped + ' older dropped by the receiver';
    $('summary').textContent = text;
  }

  function clearAll() {
    byId.clear();
    groups.clear();
    levels.clear();
    $('groups').replaceChildren();
    $('f-uuid').replaceChildren(new Option('all', ''));
    $('f-level').replaceChildren(new Option('all', ''));
    summarize();
  }

  function onMessage(name, data) {
    var parsed;
    try { parsed = JSON.parse(data); } catch (e) { return; }
    if (name === 'event') {
      add(parsed);
      var group = groups.get(String(parsed.uuid));
      if (group) {
        group.node.hidden = !Array.prototype.some.call(group.list.children, function (row) {
          return !row.hidden;
        });
      }
      summarize();
    } else if (name === 'clear') {
      clearAll();
    } else if (name === 'stats') {
      dropped = parsed.dropped || 0;
      summarize();
    }
  }

  function stopStream() {
    if (streamAbort) streamAbort.abort();
    streamAbort = null;
    clearTimeout(retryTimer);
  }

  // EventSource cannot send headers, so the stream is read with fetch to keep the key out of URLs.
  function connect() {
    stopStream();
    var controller = new AbortController();
    streamAbort = controller;
    api('/events/stream', { signal: controller.signal, headers: { 'last-event-id': String(lastId) } })
      .then(function (res) {
        setStatus('Live');
        var reader = res.body.getReader();
        var decoder = new TextDecoder();
        var buffer = '';
        function pump() {
          return reader.read().then(function (chunk) {
            if (chunk.done) throw new Error('stream ended');
            buffer += decoder.decode(chunk.value, { stream: true }).replace(/\r\n?/g, '\n');
            var end;
            while ((end = buffer.indexOf('\n\n')) >= 0) {
              var block = buffer.slice(0, end);
              buffer = buffer.slice(end + 2);
              var name = 'message';
              var data = [];
              block.split('\n').forEach(function (line) {
                if (line.indexOf('event:') === 0) name = line.slice(6).trim();
                else if (line.indexOf('data:') === 0) data.push(line.slice(5).replace(/^ /, ''));
              });
              if (data.length) onMessage(name, data.join('\n'));
            }
            return pump();
          });
        }
        return pump();
      })
      .catch(function (error) {
        if (error instanceof Refused || controller.signal.aborted) return;
        setStatus('Disconnected; reconnecting…');
        retryTimer = setTimeout(connect, 2000);
      });
  }

  function load(after) {
    return api('/events?limit=1000&after=' + after).then(function (res) { return res.json(); })
      .then(function (page) {
        page.events.forEach(add);
        dropped = page.dropped || 0;
        if (page.next !== null) return load(page.next);
      });
  }

  function start() {
    $('key-form').hidden = true;
    $('key-error').hidden = true;
    $('controls').hidden = false;
    setStatus('Loading…');
    clearAll();
    lastId = 0;
    load(0).then(function () {
      applyFilters();
      connect();
    }, function (error) {
      if (!(error instanceof Refused)) setStatus('Could not load events: ' + error.message);
    });
  }

  $('key-form').addEventListener('submit', function (e) {
    e.preventDefault();
    key = $('key-input').value.trim();
    if (!key) return showKeyForm('Enter the API key.');
    sessionStorage.setItem(KEY_NAME, key);
    $('key-input').value = '';
    start();
  });
  $('forget').addEventListener('click', function () {
    stopStream();
    sessionStorage.removeItem(KEY_NAME);
    key = '';
    setStatus('Not connected');
    showKeyForm('');
  });
  ['f-uuid', 'f-type', 'f-level'].forEach(function (id) {
    $(id).addEventListener('change', applyFilters);
  });
  $('f-text').addEventListener('input', applyFilters);
  $('copy').addEventListener('click', function () {
    var list = visibleEvents().map(readable);
    copyText(JSON.stringify(list, null, 2), plural(list.length, 'event'));
  });
  $('clear').addEventListener('click', function () {
    if (!confirm('Delete all ' + plural(byId.size, 'event') + ' from the receiver?')) return;
    api('/events', { method: 'DELETE' }).then(function () {
      clearAll();
      setStatus('Cleared');
    }, function (error) {
      if (!(error instanceof Refused)) setStatus('Clear failed: ' + error.message);
    });
  });

  if (key) start();
  else { setStatus('Not connected'); showKeyForm(''); }
})();
`;
