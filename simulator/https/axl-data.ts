/**
 * The slices of the CUCM database that AXL exposes here, derived from the simulated cluster: the processnode table
 * (with its EnterpriseWideData pseudo node) and devices (the phone fleet), with stable pkids so a client can address
 * an item by uuid across requests.
 */
import { createHash } from 'node:crypto';
import type { SimCluster } from '../model';
import type { SimPhone } from '../phones';

const ENTERPRISE_WIDE_DATA_UUID = '{00000000-1111-0000-0000-000000000000}';

type ProcessNodeRole = 'CUCM Voice/Video' | 'CUCM IM and Presence';

export interface ProcessNodeRow {
  uuid: string;
  name: string;
  description: string;
  mac: string;
  ipv6Name: string;
  /** True only for EnterpriseWideData. */
  systemNode: boolean;
  nodeUsage: 'Publisher' | 'Subscriber';
  processNodeRole: ProcessNodeRole;
  nodeId: number;
}

/** A stable GUID as CUCM prints pkids in AXL: upper case, in braces. */
export function stableUuid(...parts: string[]): string {
  const hex = createHash('sha256').update(parts.join('\u0000')).digest('hex').toUpperCase();
  return `{${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}}`;
}

/** Rows of processnode: EnterpriseWideData first (systemnode 't', tknodeusage 1), then the servers by FQDN. */
export function processNodes(cluster: SimCluster): ProcessNodeRow[] {
  const ewd: ProcessNodeRow = {
    uuid: ENTERPRISE_WIDE_DATA_UUID,
    name: 'EnterpriseWideData',
    description: '',
    mac: '',
    ipv6Name: '',
    systemNode: true,
    nodeUsage: 'Subscriber',
    processNodeRole: 'CUCM Voice/Video',
    nodeId: 1,
  };
  return [
    ewd,
    ...cluster.nodes.map((node, index): ProcessNodeRow => ({
      uuid: stableUuid(cluster.config.id, 'processnode', node.name),
      // The CLI's `run sql select name from processnode` prints the same names.
      name: node.fqdn,
      description: '',
      mac: '',
      ipv6Name: '',
      systemNode: false,
      nodeUsage: node.role === 'publisher' ? 'Publisher' : 'Subscriber',
      processNodeRole: node.product === 'cups' ? 'CUCM IM and Presence' : 'CUCM Voice/Video',
      nodeId: index + 2,
    })),
  ];
}

export function deviceUuid(cluster: SimCluster, phone: SimPhone): string {
  return stableUuid(cluster.config.id, 'device', phone.name);
}

/** Finds a phone by device name or by its uuid (with or without braces, any case), as AXL accepts either. */
export function findDevice(cluster: SimCluster, nameOrUuid: string): SimPhone | undefined {
  const byName = cluster.phones.get(nameOrUuid) ?? cluster.phones.get(nameOrUuid.toUpperCase());
  if (byName) return byName;
  const wanted = `{${nameOrUuid.replace(/[{}]/g, '').toUpperCase()}}`;
  if (!/^\{[0-9A-F-]{36}\}$/.test(wanted)) return undefined;
  return cluster.phones.list.find((p) => deviceUuid(cluster, p) === wanted);
}
