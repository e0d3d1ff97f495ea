/**
 * The documentation a user reads matches the repository they cloned: every link of README.md, CHANGELOG.md and
 * docs/ resolves to a file (and its anchor to a heading) in the clone, every environment variable the processes read
 * is in docs/configuration.md (citations outside the clone: test/unit/facts-sources.test.ts).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const root = resolve(__dirname, '..', '..');
const tracked = execFileSync('git', ['ls-files', '-z'], { cwd: root, encoding: 'utf8' })
  .split('\0')
  .filter((f) => f && existsSync(join(root, f)));
const markdown = tracked.filter((f) => f === 'README.md' || f === 'CHANGELOG.md' || /^docs\/.*\.md$/.test(f));

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to dashes. */
function anchors(file: string): Set<string> {
  const text = readFileSync(file, 'utf8').replace(/```[\s\S]*?```/g, '');
  const found = new Set<string>();
  for (const m of text.matchAll(/^#{1,6} (.+)$/gm))
    found.add(
      m[1]!
        .trim()
        .toLowerCase()
        .replace(/[^\p{L}\p{N}\- _]/gu, '')
        .replace(/ /g, '-'),
    );
  return found;
}

describe('documentation', () => {
  it('has a README short enough to read and a page per reader question in docs/', () => {
    const lines = readFileSync(join(root, 'README.md'), 'utf8').split('\n').length;
    assert.ok(lines <= 200, `README.md has ${lines} lines; keep it at most 200 and move the detail to docs/`);
    for (const page of [
      'getting-started',
      'configuration',
      'inventory',
      'api',
      'procedure',
      'operations',
      'simulator',
      'development',
      'benchmarks',
    ])
      assert.ok(markdown.includes(`docs/${page}.md`), `docs/${page}.md is missing (README links to it)`);
  });

  it('links only to files and headings that exist in the clone', () => {
    const broken: string[] = [];
    for (const file of markdown) {
      const text = readFileSync(join(root, file), 'utf8').replace(/```[\s\S]*?```/g, '');
      for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        const target = m[1]!;
        if (/^[a-z]+:/i.test(target)) continue; // http(s), mailto: public documents
        const [path, anchor] = target.split('#') as [string, string | undefined];
        const resolved = path ? resolve(dirname(join(root, file)), path) : join(root, file);
        if (!existsSync(resolved)) {
          broken.push(`${file}: ${target} (no such file)`);
          continue;
        }
        if (anchor && statSync(resolved).isFile() && !anchors(resolved).has(anchor))
          broken.push(`${file}: ${target} (no heading #${anchor} in ${relative(root, resolved)})`);
      }
    }
    assert.deepEqual(broken, [], `links that do not resolve in a clone:\n${broken.join('\n')}`);
  });

  it('documents every environment variable the worker, the API and the launcher read', () => {
    const sources = tracked.filter(
      (f) => /^(config|api|worker|clients|inventory)\/.*\.ts$/.test(f) || f === 'scripts/start.ts',
    );
    const names = new Set<string>();
    for (const f of sources) {
      const text = readFileSync(join(root, f), 'utf8');
      for (const m of text.matchAll(/\b(?:process\.)?env\.([A-Z][A-Z0-9_]+)/g)) names.add(m[1]!);
      for (const m of text.matchAll(/FromEnv\(env, '([A-Z][A-Z0-9_]+)'/g)) names.add(m[1]!);
    }
    assert.ok(
      names.size >= 15,
      `found only ${names.size} variables: the scan no longer matches how config/ reads them`,
    );
    const doc = readFileSync(join(root, 'docs', 'configuration.md'), 'utf8');
    const missing = [...names].filter((n) => !doc.includes(`\`${n}\``)).sort();
    assert.deepEqual(missing, [], `read by the code but not in docs/configuration.md: ${missing.join(', ')}`);
  });
});
