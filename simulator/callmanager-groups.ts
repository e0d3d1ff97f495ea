/**
 * CallManager groups and device pools, and what they mean for phones while Cisco CallManager restarts.
 *
 * Facts, from Cisco Unified Communications Manager System Guide 9.0(1), "Cisco Unified Communications Manager
 * groups" (cisco.com/en/US/docs/voice_ip_comm/cucm/admin/9_0_1/ccmsys/CUCM_BK_CD2F83FA_00_system-guide_chapter_0111):
 *   - a group is a prioritized list of up to three CallManagers: a primary and one or two backups, in that order;
 *   - devices are associated with a group through their device pool (one pool per device, one group per pool);
 *   - failover: when the primary fails the devices reregister with the first backup, and with the second backup if
 *     the primary and the first backup both fail;
 *   - fallback: when the primary comes back into service the devices reregister with it.
 * The AXL shapes (listCallManager, listCallManagerGroup, getCallManagerGroup, listDevicePool) follow AXLSoap.xsd 14.0
 * (CiscoDevNet/axl-python-zeep-samples schema/); see https/axl-redundancy.ts.
 *
 * Guesses, marked as such: the CallManager objects are named `CM_<hostname>` (the name CUCM gives the server's
 * CallManager at installation, as commonly seen in labs; not checked against a document); a phone notices its
 * CallManager is gone and registers with the backup after a short delay ([1, 5] s real time, FAILOVER_DELAY_MS);
 * fallback is make-before-break (the phone registers with the primary before leaving the backup, so it stays
 * registered). Without groups in the config each call-processing node gets a group and a device pool of its own
 * (`CMG_<node>`, `DP_<node>`, one member): the simulator's old behaviour, where a phone's only CallManager is its node.
 */
import type { SimCluster, SimNode } from './model';
import { SERVICE } from './services';

export interface CallManagerGroupConfig {
  name: string;
  /** Node names by priority: the primary first, then up to two backups. */
  members: string[];
}

export interface DevicePoolConfig {
  name: string;
  callManagerGroup: string;
}

/** How long a phone takes to notice its CallManager is gone and register with the next one (guess). */
export const FAILOVER_DELAY_MS: readonly [number, number] = [1000, 5000];

/** Phones that found no CallManager of their group running, as the simulator's own witness. */
interface StrandedPhone {
  phone: string;
  devicePool: string;
  group: string;
  /** The node whose CallManager stopped last, leaving the phone with none. */
  node: string;
  at: string;
}

export class CallManagerGroups {
  readonly groups: CallManagerGroupConfig[];
  readonly devicePools: DevicePoolConfig[];
  private readonly byPool = new Map<string, CallManagerGroupConfig>();
  /** Every phone that was ever left without a reachable CallManager, by name (first time only). */
  readonly stranded = new Map<string, StrandedPhone>();

  constructor(
    private readonly cluster: SimCluster,
    config: { callManagerGroups?: CallManagerGroupConfig[]; devicePools?: DevicePoolConfig[] },
  ) {
    const cp = cluster.nodes.filter((n) => n.product === 'callmanager' && n.isActivated(SERVICE.callManager));
    this.groups = config.callManagerGroups ?? cp.map((n) => ({ name: `CMG_${n.name}`, members: [n.name] }));
    this.devicePools =
      config.devicePools ??
      (config.callManagerGroups
        ? this.groups.map((g) => ({ name: `DP_${g.name}`, callManagerGroup: g.name }))
        : cp.map((n) => ({ name: `DP_${n.name}`, callManagerGroup: `CMG_${n.name}` })));
    const id = cluster.config.id;
    for (const g of this.groups) {
      if (g.members.length === 0 || g.members.length > 3)
        throw new Error(`cluster ${id}: CallManager group ${g.name} needs 1 to 3 members (a primary, up to 2 backups)`);
      for (const m of g.members) cluster.node(m); // throws for an unknown node
    }
    for (const p of this.devicePools) {
      const group = this.groups.find((g) => g.name === p.callManagerGroup);
      if (!group)
        throw new Error(`cluster ${id}: device pool ${p.name} names no CallManager group ${p.callManagerGroup}`);
      this.byPool.set(p.name, group);
    }
  }

  /** The CallManager object of a node, as listCallManager returns it (name guessed, see above). */
  callManagerName(node: SimNode): string {
    return `CM_${node.name}`;
  }

  /** Nodes that have a CallManager object: the call-processing CUCM nodes. */
  callManagerNodes(): SimNode[] {
    return this.cluster.nodes.filter((n) => n.product === 'callmanager' && n.isActivated(SERVICE.callManager));
  }

  groupOf(devicePool: string): CallManagerGroupConfig {
    const group = this.byPool.get(devicePool);
    if (!group) throw new Error(`No device pool ${devicePool}`);
    return group;
  }

  /** The first member of the pool's group, by priority, whose Cisco CallManager runs (and is not `except`). */
  reachable(devicePool: string, except?: SimNode): SimNode | undefined {
    return this.groupOf(devicePool)
      .members.map((m) => this.cluster.node(m))
      .find((n) => n !== except && n.isStarted(SERVICE.callManager));
  }

  /** Rank of a node in the pool's group (0 = primary); Infinity when it is not a member. */
  rank(devicePool: string, node: string): number {
    const i = this.groupOf(devicePool).members.indexOf(node);
    return i < 0 ? Infinity : i;
  }

  /** Records phones left with no CallManager when `node` stopped: one event per stop, each phone once in `stranded`. */
  recordStranded(node: SimNode, phones: Array<{ name: string; devicePool: string }>): void {
    if (phones.length === 0) return;
    const at = new Date().toISOString();
    const groups = new Set<string>();
    for (const p of phones) {
      const group = this.groupOf(p.devicePool).name;
      groups.add(group);
      if (!this.stranded.has(p.name))
        this.stranded.set(p.name, { phone: p.name, devicePool: p.devicePool, group, node: node.name, at });
    }
    this.cluster.log(node, 'system', 'phones-without-callmanager', {
      count: String(phones.length),
      groups: [...groups].join(','),
      sample: phones
        .slice(0, 10)
        .map((p) => p.name)
        .join(','),
    });
  }
}
