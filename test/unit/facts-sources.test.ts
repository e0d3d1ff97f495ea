/**
 * Every fact the simulator states cites where it comes from (issue 17, "What to build" 4): each row of each table in
 * simulator/facts/*.ts names a public source (a Cisco document number or title, a public URL, a WSDL/XSD, an RFC, a
 * section of docs/reference/cucm-interfaces.md) or says `guess`. A table of plain values (a list of names, a record
 * of numbers) carries its source beside it, as `<NAME>_SOURCE`. And every citation resolves inside the repository or
 * to a public document: no path of a build machine, no reference outside the repo, every `ref §N` a section that
 * exists.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as axl from '../../simulator/facts/axl';
import * as certmgr from '../../simulator/facts/certmgr';
import * as controlCenter from '../../simulator/facts/control-center';
import * as csrDistribution from '../../simulator/facts/csr-distribution';
import * as perfmon from '../../simulator/facts/perfmon';
import * as phones from '../../simulator/facts/phones';
import * as restarts from '../../simulator/facts/restarts';
import * as services from '../../simulator/facts/services';
import * as signers from '../../simulator/facts/signers';
import * as ssh from '../../simulator/facts/ssh';
import * as trustFiles from '../../simulator/facts/trust-files';
import * as trustRecovery from '../../simulator/facts/trust-recovery';
import * as uccx from '../../simulator/facts/uccx';
import * as units from '../../simulator/facts/units';
import * as version from '../../simulator/facts/version';
import { parseVersion, RELEASES } from '../../simulator/facts/version';
import * as transcripts from '../fixtures/cucm-transcripts';

const ROOT = join(__dirname, '..', '..');
const FACTS = join(ROOT, 'simulator', 'facts');
const REFERENCE = 'docs/reference/cucm-interfaces.md';

/** What counts as a citation: a document a reader can find without us. */
const CITES =
  /\b(?:TN|FN)[ -]?\d{5,6}\b|\bCSC[a-z]{2}\d{5}\b|https?:\/\/\S+|\bref (?:§\s?\d|Gaps \d)|\.(?:wsdl|xsd)\b|\bRFC \d{3,4}\b|\b(?:Guide|reference|release notes)\b|\bDevNet\b|\bCLI-\w+/i;
const GUESS = /\bguess/i;

interface FactRow {
  file: string;
  table: string;
  key: string;
  source: unknown;
}

const label = (row: unknown, index: string): string => {
  if (row && typeof row === 'object') {
    const r = row as Record<string, unknown>;
    const id = ['name', 'unit', 'service', 'command', 'file', 'software', 'fact'].flatMap((k) =>
      typeof r[k] === 'string' ? [`${k}=${String(r[k]).slice(0, 60)}`] : [],
    );
    if (id.length) return `${index} (${id.join(', ')})`;
  }
  return index;
};

/** Tables a module exposes only through a function of the release. */
const ROWS_OF_FUNCTIONS: Record<
  string,
  (fn: (v: ReturnType<typeof parseVersion>) => unknown) => Array<[string, unknown]>
> = {
  sshProfile: (fn) => Object.entries(RELEASES).map(([release, build]) => [release, fn(parseVersion(build))]),
};

/** Every row of every table a facts module exports, with the module and table it comes from. */
function rowsOf(file: string, exports: Record<string, unknown>): FactRow[] {
  const rows: FactRow[] = [];
  const add = (table: string, key: string, row: unknown) =>
    rows.push({
      file,
      table,
      key: label(row, key),
      source: row && typeof row === 'object' ? (row as { source?: unknown }).source : undefined,
    });
  const besideIt = (table: string, what: string) =>
    rows.push({ file, table, key: `${what} (its ${table}_SOURCE)`, source: exports[`${table}_SOURCE`] });
  for (const [table, value] of Object.entries(exports)) {
    if (table.endsWith('_SOURCE')) continue;
    if (typeof value === 'function') {
      const rowsOfFn = ROWS_OF_FUNCTIONS[table];
      if (rowsOfFn)
        for (const [key, row] of rowsOfFn(value as (v: ReturnType<typeof parseVersion>) => unknown))
          add(table, key, row);
      continue;
    }
    if (value instanceof Map) {
      for (const [key, row] of value as Map<unknown, unknown>) {
        if (typeof row === 'string') rows.push({ file, table, key: String(key), source: row });
        else add(table, String(key), row);
      }
    } else if (Array.isArray(value)) {
      if (value.every((r) => r && typeof r === 'object')) value.forEach((r, i) => add(table, `[${i}]`, r));
      else besideIt(table, 'a list of values');
    } else if (value && typeof value === 'object') {
      if ('source' in value) add(table, 'the table', value);
      else {
        const entries = Object.entries(value);
        const plain = entries.filter(([, v]) => !v || typeof v !== 'object' || Array.isArray(v));
        for (const [key, row] of entries) if (!plain.some(([k]) => k === key)) add(table, key, row);
        if (plain.length) besideIt(table, `its values ${plain.map(([k]) => k).join(', ')}`);
      }
    }
  }
  return rows;
}

const factFiles = readdirSync(FACTS)
  .filter((f) => f.endsWith('.ts') && f !== 'index.ts')
  .sort();

/** Each facts module, by file name (a new file must be added here: the first test says so). */
const modules = new Map<string, Record<string, unknown>>([
  ['axl.ts', axl],
  ['certmgr.ts', certmgr],
  ['control-center.ts', controlCenter],
  ['csr-distribution.ts', csrDistribution],
  ['perfmon.ts', perfmon],
  ['phones.ts', phones],
  ['restarts.ts', restarts],
  ['services.ts', services],
  ['signers.ts', signers],
  ['ssh.ts', ssh],
  ['trust-files.ts', trustFiles],
  ['trust-recovery.ts', trustRecovery],
  ['uccx.ts', uccx],
  ['units.ts', units],
  ['version.ts', version],
]);

function allRows(): FactRow[] {
  return factFiles.flatMap((f) => rowsOf(f, modules.get(f) ?? {}));
}

/** Tracked text files of the repository (recorded Temporal histories excepted: their stack traces are data). */
function trackedFiles(): string[] {
  return execFileSync('git', ['ls-files'], { cwd: ROOT, encoding: 'utf8' })
    .split('\n')
    .filter((f) => f && /\.(?:ts|md|mjs|js|json|yml|yaml)$/.test(f))
    .filter((f) => f !== 'package-lock.json');
}

/** The reference's section numbers (`### 1.7 ...`, `## 6. ...`) and its numbered gaps. */
function referenceSections(): { sections: Set<string>; gaps: number } {
  const text = readFileSync(join(ROOT, REFERENCE), 'utf8');
  const sections = new Set([...text.matchAll(/^#{2,3} (\d+(?:\.\d+)?)\.? /gm)].map((m) => m[1] as string));
  const gapsPart = text.split(/^## Gaps/m)[1] ?? '';
  const gaps = [...gapsPart.matchAll(/^(\d+)\. /gm)].length;
  return { sections, gaps };
}

describe('simulator facts cite their sources', () => {
  it('every facts module is exported by simulator/facts/index.ts and loaded here, so the simulator and this test see all of them', () => {
    const index = readFileSync(join(FACTS, 'index.ts'), 'utf8');
    for (const f of factFiles) assert.ok(index.includes(`from './${f.replace(/\.ts$/, '')}'`), `${f} not in index.ts`);
    assert.deepEqual([...modules.keys()].sort(), factFiles, 'every facts module is loaded by this test');
  });

  it('every row of every table cites a public source or says guess', () => {
    const rows = allRows();
    assert.ok(rows.length > 100, `only ${rows.length} rows found: the loader missed tables`);
    const bad = rows.filter((r) => typeof r.source !== 'string' || !(CITES.test(r.source) || GUESS.test(r.source)));
    assert.deepEqual(
      bad.map(
        (r) => `${r.file} ${r.table} ${r.key}: ${r.source === undefined ? 'no source' : JSON.stringify(r.source)}`,
      ),
      [],
      'rows without a source (add `source: "<document, URL or ref §N>"`, or say `guess` and why)',
    );
  });

  it('guess rows per file (printed, so a change in the count shows in the test log)', () => {
    const rows = allRows();
    const counts = factFiles.map((f) => {
      const mine = rows.filter((r) => r.file === f);
      return `${f}: ${mine.filter((r) => GUESS.test(String(r.source))).length}/${mine.length}`;
    });
    console.log(`      guess rows / rows: ${counts.join('; ')}`);
    assert.equal(counts.length, factFiles.length);
  });

  it(`every "ref §N" and "ref Gaps N" in the facts names a section that exists in ${REFERENCE}`, () => {
    const { sections, gaps } = referenceSections();
    const cited = factFiles.flatMap((f) => {
      const text = readFileSync(join(FACTS, f), 'utf8');
      // "ref §1.2, §1.3": every § number after a "ref" up to the end of its parenthesis or clause.
      const refs = [
        ...text.matchAll(/ref ((?:§\s?\d+(?:\.\d+)?|Gaps \d+)(?:[^)"'`;]*?(?:§\s?\d+(?:\.\d+)?|Gaps \d+))*)/g),
      ];
      return refs.flatMap((m) =>
        [...(m[1] as string).matchAll(/§\s?(\d+(?:\.\d+)?)|Gaps (\d+)/g)].map((x) => ({ f, section: x[1], gap: x[2] })),
      );
    });
    assert.ok(cited.length > 50, `only ${cited.length} ref citations found`);
    const missing = cited.filter((c) => (c.section ? !sections.has(c.section) : Number(c.gap) > gaps));
    assert.deepEqual(
      missing.map((c) => `${c.f}: ${c.section ? `§${c.section}` : `Gaps ${c.gap}`}`),
      [],
      `citations to sections ${REFERENCE} does not have`,
    );
  });

  it(`the public transcripts the parsers are tested on are the ones ${REFERENCE} quotes, line for line`, () => {
    const doc = readFileSync(join(ROOT, REFERENCE), 'utf8');
    const missing = Object.entries(transcripts).flatMap(([name, value]) =>
      (Array.isArray(value) ? value.join('\n') : String(value))
        .split('\n')
        .filter((line) => line.trim() && !doc.includes(line))
        .map((line) => `${name}: ${JSON.stringify(line)}`),
    );
    assert.deepEqual(missing, [], `test/fixtures/cucm-transcripts.ts lines not quoted in ${REFERENCE}`);
  });

  it('no file of the repository cites a path outside it (a build machine, a sibling directory)', () => {
    // Built from parts so that this file does not match itself.
    const outside = [new RegExp(['\\.\\.', 'shared', ''].join('/')), new RegExp(['', 'work', ''].join('/'))];
    const hits = trackedFiles().flatMap((f) => {
      const lines = readFileSync(join(ROOT, f), 'utf8').split('\n');
      return lines.flatMap((line, i) => (outside.some((re) => re.test(line)) ? [`${f}:${i + 1}`] : []));
    });
    assert.deepEqual(hits, [], `citations outside the repository: point them at ${REFERENCE} or a public URL`);
  });
});
