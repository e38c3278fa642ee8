// The report's chart, written by hand as SVG: one horizontal bar per configuration
// (requests/second as a ratio to its group's bare app), with the 0.90 and 0.95 targets.

const WIDTH = 820;
const LABEL = 360;
const PLOT = 400;
const ROW = 18;
const TOP = 44;
const MAX = 1.2;

const xmlText = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const x = (ratio) => LABEL + (Math.min(ratio, MAX) / MAX) * PLOT;

// 0.90 and 0.95 are close: their labels sit on either side of their lines.
const GUIDES = [
  { ratio: 0.5, anchor: 'middle', dash: '0' },
  { ratio: 0.9, anchor: 'end', dash: '3 3' },
  { ratio: 0.95, anchor: 'start', dash: '3 3' },
  { ratio: 1, anchor: 'middle', dash: '0' },
];

function guides(height) {
  return GUIDES.map(({ ratio, anchor, dash }) => {
    const at = x(ratio).toFixed(1);
    return `<line x1="${at}" y1="${TOP - 8}" x2="${at}" y2="${height - 10}" stroke="#bbb" stroke-dasharray="${dash}"/><text x="${at}" y="${TOP - 12}" text-anchor="${anchor}" font-size="10">${ratio.toFixed(2)}</text>`;
  }).join('\n');
}

function colour(bar) {
  if (bar.bare) return '#9e9e9e';
  if (bar.peer) return '#5c6bc0';
  return bar.ratio >= 0.95 ? '#2e7d32' : bar.ratio >= 0.9 ? '#f9a825' : '#c62828';
}

const LEGEND = [
  ['#9e9e9e', 'bare'],
  ['#5c6bc0', 'peer library'],
  ['#2e7d32', 'replaylink ≥ 0.95'],
  ['#f9a825', '≥ 0.90'],
  ['#c62828', '< 0.90'],
];

function legend(y) {
  return LEGEND.map(([fill, text], i) => {
    const at = 8 + i * 130;
    return `<rect x="${at}" y="${y}" width="10" height="10" fill="${fill}"/><text x="${at + 14}" y="${y + 9}">${xmlText(text)}</text>`;
  }).join('\n');
}

/** `groups`: `[{ title, bars: [{ label, ratio, bare, peer }] }]`. Returns the SVG text. */
export function chart(groups) {
  const shown = groups.filter((g) => g.bars.length > 0);
  const lines = [];
  let y = TOP;
  for (const group of shown) {
    lines.push(`<text x="8" y="${y + 12}" font-weight="bold">${xmlText(group.title)}</text>`);
    y += ROW + 2;
    for (const bar of group.bars) {
      const fill = colour(bar);
      lines.push(
        `<text x="${LABEL - 6}" y="${y + 12}" text-anchor="end">${xmlText(bar.label)}</text>`,
        `<rect x="${LABEL}" y="${y + 2}" width="${(x(bar.ratio) - LABEL).toFixed(1)}" height="${ROW - 5}" fill="${fill}"/>`,
        `<text x="${(x(bar.ratio) + 4).toFixed(1)}" y="${y + 12}">${bar.ratio.toFixed(2)}</text>`,
      );
      y += ROW;
    }
    y += 8;
  }
  const height = y + 28;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif" font-size="11">
<title>replaylink benchmarks: requests/second as a ratio to the bare app</title>
<rect width="${WIDTH}" height="${height}" fill="#fff"/>
<text x="8" y="16" font-size="13" font-weight="bold">Requests/second, ratio to the bare app (median of alternating rounds)</text>
${guides(height)}
${lines.join('\n')}
${legend(height - 22)}
</svg>
`;
}
