// Groups are the files of `bench/groups/`, run in file-name order. A new group (or a
// new framework) is one new file there; it names server factories from `bench/servers/`.
import { readdirSync } from 'node:fs';

const DIR = new URL('../groups/', import.meta.url);

/** Every group, with `name` (its file name without `.mjs`) and `file` (its URL). */
export async function loadGroups() {
  const files = readdirSync(DIR)
    .filter((f) => f.endsWith('.mjs'))
    .sort();
  const groups = [];
  for (const f of files) {
    const file = new URL(f, DIR).href;
    const { default: group } = await import(file);
    groups.push({ ...group, name: f.replace(/^\d+-/, '').replace(/\.mjs$/, ''), file });
  }
  return groups;
}

/** Why a group cannot run here (a module it `requires` does not resolve), or undefined. */
export function missingRequirement(group) {
  for (const specifier of group.requires ?? []) {
    try {
      import.meta.resolve(specifier);
    } catch {
      return `\`${specifier}\` is not available in this build`;
    }
  }
  return undefined;
}
