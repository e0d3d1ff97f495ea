/**
 * executeSQLQuery over a few simulated Informix tables (processnode, processconfig, device and the type tables
 * typemodel, typeclass, typedeviceprotocol). A deliberately small SELECT dialect: `select [skip n] [first m]
 * <columns | * | count(*)> from <table> [alias] [[inner] join <table> [alias] on a.x = b.y ...] [where a = 'x' and
 * b like 'y%' and a.x = b.y ...] [order by col [asc|desc]]` (also the comma join `from device d, typemodel t where
 * d.tkmodel = t.enum`, as common scripts write it). Anything else fails the way Informix reports it (negative SQL
 * error codes), so a client meets an honest error rather than a silently wrong answer.
 */
import type { SimCluster } from '../model';
import { deviceUuid, processNodes } from './axl-data';
import { likePattern } from './wildcard';

export class SqlError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

type Row = Record<string, string>;

interface Table {
  columns: string[];
  rows(cluster: SimCluster): Row[];
}

/** CUCM's typemodel enums for the fleet's models are the model numbers themselves; SIP is tkdeviceprotocol 11. */
const PROTOCOL_ENUM: Record<string, string> = { SIP: '11', SCCP: '0' };

const TABLES: Record<string, Table> = {
  processnode: {
    columns: [
      'pkid',
      'name',
      'mac',
      'description',
      'systemnode',
      'tknodeusage',
      'tkprocessnoderole',
      'nodeid',
      'ipv6name',
      'isactive',
    ],
    rows: (cluster) =>
      processNodes(cluster).map((n) => ({
        pkid: n.uuid.slice(1, -1).toLowerCase(),
        name: n.name,
        mac: n.mac,
        description: n.description,
        systemnode: n.systemNode ? 't' : 'f',
        tknodeusage: n.nodeUsage === 'Publisher' ? '0' : '1',
        tkprocessnoderole: n.processNodeRole === 'CUCM IM and Presence' ? '2' : '1',
        nodeid: String(n.nodeId),
        ipv6name: n.ipv6Name,
        isactive: 't',
      })),
  },
  processconfig: {
    columns: ['paramname', 'paramvalue', 'tkservice', 'tkparam'],
    rows: (cluster) => [
      { paramname: 'ClusterSecurityMode', paramvalue: String(cluster.securityMode), tkservice: '11', tkparam: '1' },
      { paramname: 'RollBackToPreGrayback', paramvalue: 'F', tkservice: '11', tkparam: '1' },
    ],
  },
  device: {
    columns: ['pkid', 'name', 'description', 'tkmodel', 'tkproduct', 'tkclass', 'tkdeviceprotocol'],
    rows: (cluster) =>
      cluster.phones.list.map((p) => ({
        pkid: deviceUuid(cluster, p).slice(1, -1).toLowerCase(),
        name: p.name,
        description: p.description,
        tkmodel: String(p.model),
        tkproduct: String(p.model),
        tkclass: '1',
        tkdeviceprotocol: PROTOCOL_ENUM[p.protocol] ?? '0',
      })),
  },
};

/** The fleet's models in CUCM's typemodel (enum = tkmodel; the moniker spelled as CUCM's MODEL_CISCO_<n>). */
function typeModels(cluster: SimCluster): Row[] {
  const models = new Map<number, string>();
  for (const p of cluster.phones.list) models.set(p.model, p.product);
  return [...models].map(([enumValue, name]) => ({
    enum: String(enumValue),
    name,
    moniker: `MODEL_${name.toUpperCase().replace(/[^A-Z0-9]+/g, '_')}`,
  }));
}

TABLES.typemodel = { columns: ['enum', 'name', 'moniker'], rows: typeModels };
TABLES.typeclass = {
  columns: ['enum', 'name', 'moniker'],
  rows: () => [{ enum: '1', name: 'Phone', moniker: 'CLASS_PHONE' }],
};
TABLES.typedeviceprotocol = {
  columns: ['enum', 'name', 'moniker'],
  rows: () => [
    { enum: '0', name: 'SCCP', moniker: 'DEVICE_PROTOCOL_SCCP' },
    { enum: '11', name: 'SIP', moniker: 'DEVICE_PROTOCOL_SIP' },
  ],
};

const syntaxError = () => new SqlError(-201, 'A syntax error has occurred.');

/** A column reference, `alias.column` or `column`. */
interface ColumnRef {
  alias: string | undefined;
  column: string;
}

/** A row of the joined tables: per alias, that table's row. */
type JoinedRow = Map<string, Row>;

interface Source {
  alias: string;
  table: Table;
  name: string;
}

function columnRef(text: string): ColumnRef {
  const m = /^(?:(\w+)\.)?(\w+)$/.exec(text.trim());
  if (!m) throw syntaxError();
  return { alias: m[1]?.toLowerCase(), column: m[2]!.toLowerCase() };
}

/** Resolves a reference to the alias holding it: Informix refuses an unknown or an ambiguous column. */
function resolve(ref: ColumnRef, sources: Source[]): { alias: string; column: string } {
  const candidates = sources.filter(
    (s) => (ref.alias === undefined || s.alias === ref.alias) && s.table.columns.includes(ref.column),
  );
  if (candidates.length === 0)
    throw new SqlError(-217, `Column (${ref.column}) not found in any table in the query (or SLV is undefined).`);
  if (candidates.length > 1) throw new SqlError(-324, `Ambiguous column (${ref.column}).`);
  return { alias: candidates[0]!.alias, column: ref.column };
}

function valueOf(row: JoinedRow, ref: { alias: string; column: string }): string {
  return row.get(ref.alias)?.[ref.column] ?? '';
}

function condition(part: string, sources: Source[]): (row: JoinedRow) => boolean {
  const join = /^((?:\w+\.)?\w+)\s*=\s*((?:\w+\.)?\w+)$/.exec(part);
  if (join && !/^-?\d+$/.test(join[2]!)) {
    const left = resolve(columnRef(join[1]!), sources);
    const right = resolve(columnRef(join[2]!), sources);
    return (row) => valueOf(row, left) === valueOf(row, right);
  }
  const m = /^((?:\w+\.)?\w+)\s*(=|!=|<>|not\s+like|like)\s*('(?:[^']|'')*'|-?\d+)$/i.exec(part);
  if (!m) throw syntaxError();
  const ref = resolve(columnRef(m[1]!), sources);
  const literal = m[3]!;
  const value = literal.startsWith("'") ? literal.slice(1, -1).replace(/''/g, "'") : literal;
  const op = m[2]!.toLowerCase().replace(/\s+/g, ' ');
  switch (op) {
    case '=':
      return (row) => valueOf(row, ref) === value;
    case '!=':
    case '<>':
      return (row) => valueOf(row, ref) !== value;
    default: {
      // Informix LIKE is case-sensitive; compiled once per query, not per row.
      const pattern = likePattern(value, '');
      const negate = op.startsWith('not');
      return (row) => pattern.test(valueOf(row, ref)) !== negate;
    }
  }
}

function parseConditions(text: string | undefined, sources: Source[]): Array<(row: JoinedRow) => boolean> {
  if (!text) return [];
  // Split on AND outside quoted literals; OR, IN, subqueries are outside this dialect.
  return text.split(/\s+and\s+(?=(?:[^']*'[^']*')*[^']*$)/i).map((part) => condition(part.trim(), sources));
}

const SELECT =
  /^select\s+(?:skip\s+(\d+)\s+)?(?:first\s+(\d+)\s+)?(.+?)\s+from\s+(.+?)(?:\s+where\s+(.+?))?(?:\s+order\s+by\s+((?:\w+\.)?\w+)(?:\s+(asc|desc))?)?\s*;?$/is;

const KEYWORDS = new Set(['inner', 'join', 'on', 'where', 'order', 'left', 'outer', 'cross']);

function source(text: string): Source {
  const m = /^(\w+)(?:\s+(?:as\s+)?(\w+))?$/i.exec(text.trim());
  if (!m || (m[2] && KEYWORDS.has(m[2].toLowerCase()))) throw syntaxError();
  const name = m[1]!.toLowerCase();
  const table = TABLES[name];
  if (!table) throw new SqlError(-206, `The specified table (${name}) is not in the database.`);
  return { alias: (m[2] ?? name).toLowerCase(), table, name };
}

/** `a [x]`, `a x inner join b y on x.c = y.d ...` or `a x, b y`: the sources and the ON conditions. */
function parseFrom(text: string): { sources: Source[]; on: string[] } {
  const parts = text.split(/\s+(?:inner\s+)?join\s+/i);
  if (parts.length > 1) {
    const sources = [source(parts[0]!)];
    const on: string[] = [];
    for (const part of parts.slice(1)) {
      const m = /^(.+?)\s+on\s+(.+)$/is.exec(part);
      if (!m) throw syntaxError();
      sources.push(source(m[1]!));
      on.push(m[2]!);
    }
    return { sources, on };
  }
  return { sources: text.split(',').map(source), on: [] };
}

/** Runs one query; returns rows of column name to value, in the order the columns were selected. */
export function executeSql(cluster: SimCluster, sql: string): Row[] {
  const m = SELECT.exec(sql.trim());
  if (!m) throw syntaxError();
  const [, skip, first, selectList, fromClause, where, orderBy, direction] = m;
  const { sources, on } = parseFrom(fromClause!);
  if (new Set(sources.map((s) => s.alias)).size !== sources.length) throw syntaxError();
  const conditions = [...on, ...(where ? [where] : [])].flatMap((text) => parseConditions(text, sources));

  // Nested-loop join, filtering as each table is added (the tables here are small but for device).
  let rows: JoinedRow[] = [new Map<string, Row>()];
  for (const s of sources) {
    const tableRows = s.table.rows(cluster);
    rows = rows.flatMap((partial) => tableRows.map((r) => new Map<string, Row>(partial).set(s.alias, r)));
  }
  rows = rows.filter((row) => conditions.every((test) => test(row)));

  if (/^count\s*\(\s*\*\s*\)$/i.test(selectList!.trim())) return [{ count: String(rows.length) }];

  if (orderBy) {
    const ref = resolve(columnRef(orderBy), sources);
    const sign = direction?.toLowerCase() === 'desc' ? -1 : 1;
    rows = [...rows].sort((a, b) => sign * valueOf(a, ref).localeCompare(valueOf(b, ref), 'en', { numeric: true }));
  }
  const start = Number(skip ?? 0);
  rows = rows.slice(start, first === undefined ? undefined : start + Number(first));

  const projection =
    selectList!.trim() === '*'
      ? sources.flatMap((s) => s.table.columns.map((c) => ({ ref: { alias: s.alias, column: c }, label: c })))
      : parseColumns(selectList!).map(({ ref, label }) => ({ ref: resolve(ref, sources), label }));
  return rows.map((row) => Object.fromEntries(projection.map(({ ref, label }) => [label, valueOf(row, ref)])));
}

/** `a, p.b, c as d` to column references and output labels. */
function parseColumns(list: string): Array<{ ref: ColumnRef; label: string }> {
  return list.split(',').map((item) => {
    const m = /^((?:\w+\.)?\w+)(?:\s+(?:as\s+)?(\w+))?$/i.exec(item.trim());
    if (!m) throw syntaxError();
    const ref = columnRef(m[1]!);
    return { ref, label: (m[2] ?? ref.column).toLowerCase() };
  });
}
