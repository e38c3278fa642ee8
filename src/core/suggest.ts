/** Edit distance between two short strings (insert, delete, replace, swap of neighbours). */
export function editDistance(a: string, b: string): number {
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      if (i === 0) {
        row.push(j);
        continue;
      }
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(rows[i - 1]![j]! + 1, row[j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        best = Math.min(best, rows[i - 2]![j - 2]! + 1);
      row.push(best);
    }
    rows.push(row);
  }
  return rows[a.length]![b.length]!;
}

/**
 * The known name closest to a mistyped one (case ignored), when it is close enough to be
 * a typo: at most a third of its letters wrong, and never more than 3.
 *
 * @example
 * closestName('accesLog', ['accessLog', 'apiKey']); // 'accessLog'
 */
export function closestName(typed: string, known: readonly string[]): string | undefined {
  const wanted = typed.toLowerCase();
  const limit = Math.min(3, Math.max(1, Math.floor(wanted.length / 3)));
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const name of known) {
    const distance = editDistance(wanted, name.toLowerCase());
    if (distance < bestDistance) {
      best = name;
      bestDistance = distance;
    }
  }
  return best;
}

/** "no such option" with a suggestion when one is close, and the names accepted. */
export function unknownOption(typed: string, accepted: string): string {
  const match = closestName(typed, accepted.split(/[^A-Za-z]+/).filter(Boolean));
  const hint = match === undefined ? '' : `; did you mean "${match}"?`;
  return `no such option${hint} (accepted: ${accepted})`;
}
