/** Wildcard patterns the interfaces accept: SQL/AXL `%` and `_`, RisPort `*`. */

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** AXL searchCriteria and SQL LIKE: `%` any run, `_` one character. */
export function likePattern(pattern: string, flags = 'i'): RegExp {
  const source = [...pattern].map((c) => (c === '%' ? '.*' : c === '_' ? '.' : escapeRegex(c))).join('');
  return new RegExp(`^${source}$`, flags);
}

/** RisPort SelectItems: `*` any run; case-insensitive, as device names are. */
export function starPattern(pattern: string): RegExp {
  return new RegExp(`^${pattern.split('*').map(escapeRegex).join('.*')}$`, 'i');
}
