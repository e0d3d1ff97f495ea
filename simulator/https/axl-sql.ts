/**
 * executeSQLQuery over a few simulated Informix tables (processnode, processconfig, device). A deliberately small
 * SELECT dialect: `select [skip n] [first m] <columns | * | count(*)> from <table> [alias] [where a = 'x' and b like
 * 'y%' ...] [order by col [asc|desc]]`. Anything else fails the way Informix reports it (negative SQL error codes),
 * so a client meets an honest error rather than a silently wrong answer.
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

const syntaxError = () => new SqlError(-201, 'A syntax error has occurred.');

interface Condition {
  column: string;
  test: (actual: string) => boolean;
}

function condition(column: string, op: string, value: string): Condition {
  switch (op) {
    case '=':
      return { column, test: (actual) => actual === value };
    case '!=':
    case '<>':
      return { column, test: (actual) => actual !== value };
    default: {
      // Informix LIKE is case-sensitive; compiled once per query, not per row.
      const pattern = likePattern(value, '');
      const negate = op.startsWith('not');
      return { column, test: (actual) => pattern.test(actual) !== negate };
    }
  }
}

function parseConditions(text: string | undefined): Condition[] {
  if (!text) return [];
  // Split on AND outside quoted literals; OR, IN, subqueries are outside this dialect.
  const parts = text.split(/\s+and\s+(?=(?:[^']*'[^']*')*[^']*$)/i);
  return parts.map((part) => {
    const m = /^(?:\w+\.)?(\w+)\s*(=|!=|<>|not\s+like|like)\s*('(?:[^']|'')*'|-?\d+)$/i.exec(part.trim());
    if (!m) throw syntaxError();
    const literal = m[3]!;
    const value = literal.startsWith("'") ? literal.slice(1, -1).replace(/''/g, "'") : literal;
    return condition(m[1]!.toLowerCase(), m[2]!.toLowerCase().replace(/\s+/g, ' '), value);
  });
}

const SELECT =
  /^select\s+(?:skip\s+(\d+)\s+)?(?:first\s+(\d+)\s+)?(.+?)\s+from\s+(\w+)(?:\s+(?!where\b|order\b)(?:as\s+)?\w+)?(?:\s+where\s+(.+?))?(?:\s+order\s+by\s+(?:\w+\.)?(\w+)(?:\s+(asc|desc))?)?\s*;?$/is;

/** Runs one query; returns rows of column name to value, in the order the columns were selected. */
export function executeSql(cluster: SimCluster, sql: string): Row[] {
  const m = SELECT.exec(sql.trim());
  if (!m) throw syntaxError();
  const [, skip, first, selectList, tableName, where, orderBy, direction] = m;
  const table = TABLES[tableName!.toLowerCase()];
  if (!table) throw new SqlError(-206, `The specified table (${tableName!.toLowerCase()}) is not in the database.`);
  const conditions = parseConditions(where);
  const known = (column: string) => {
    if (!table.columns.includes(column))
      throw new SqlError(-217, `Column (${column}) not found in any table in the query (or SLV is undefined).`);
  };
  conditions.forEach((c) => known(c.column));
  let rows = table.rows(cluster).filter((row) => conditions.every((c) => c.test(row[c.column] ?? '')));

  if (/^count\s*\(\s*\*\s*\)$/i.test(selectList!.trim())) return [{ count: String(rows.length) }];

  if (orderBy) {
    const column = orderBy.toLowerCase();
    known(column);
    const sign = direction?.toLowerCase() === 'desc' ? -1 : 1;
    rows = [...rows].sort((a, b) => sign * (a[column] ?? '').localeCompare(b[column] ?? '', 'en', { numeric: true }));
  }
  const start = Number(skip ?? 0);
  rows = rows.slice(start, first === undefined ? undefined : start + Number(first));

  const projection = selectList!.trim() === '*' ? table.columns.map((c) => [c, c] as const) : parseColumns(selectList!);
  projection.forEach(([column]) => known(column));
  return rows.map((row) => Object.fromEntries(projection.map(([column, label]) => [label, row[column] ?? ''])));
}

/** `a, p.b, c as d` to [column, output label] pairs. */
function parseColumns(list: string): Array<readonly [string, string]> {
  return list.split(',').map((item) => {
    const m = /^(?:\w+\.)?(\w+)(?:\s+(?:as\s+)?(\w+))?$/i.exec(item.trim());
    if (!m) throw syntaxError();
    const column = m[1]!.toLowerCase();
    return [column, (m[2] ?? column).toLowerCase()] as const;
  });
}
