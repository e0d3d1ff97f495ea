/**
 * AXL reads of the cluster's call-processing redundancy (shapes from AXLSoap.xsd 14.0, CiscoDevNet/axl-python-zeep-
 * samples schema/): listCallManager (LCallManager: name, description, processNodeName), listCallManagerGroup
 * (LCallManagerGroup: name, tftpDefault; no members), getCallManagerGroup (RCallManagerGroup: name, tftpDefault,
 * members/member{callManagerName, priority}) and listDevicePool (LDevicePool: name, callManagerGroupName, ...).
 * Foreign keys (XFkType) carry the referenced item's uuid as an attribute. Guesses: member priorities count from 1
 * in the group's order; the first group is the TFTP default.
 */
import { stableUuid } from './axl-data';
import {
  AXL_CODE,
  clientError,
  element,
  foreignKey as fk,
  page,
  returnedTags,
  returnRows,
  searchCriteria,
  type AxlCall,
} from './axl-operations';
import { childText } from './xml-value';

function ids(call: AxlCall) {
  const id = call.cluster.config.id;
  return {
    callManager: (name: string) => stableUuid(id, 'callmanager', name),
    group: (name: string) => stableUuid(id, 'callmanagergroup', name),
    pool: (name: string) => stableUuid(id, 'devicepool', name),
  };
}

const CALLMANAGER_TAGS = ['name', 'description', 'processNodeName'] as const;

const listCallManager = (call: AxlCall): string => {
  const { cluster, request } = call;
  const uuid = ids(call);
  const criteria = searchCriteria(request, ['name', 'description']);
  const tags = returnedTags(request, CALLMANAGER_TAGS);
  const groups = cluster.callManagerGroups;
  const rows = groups.callManagerNodes().map((node) => ({
    name: groups.callManagerName(node),
    description: node.name,
    processNodeName: node.fqdn,
    node,
  }));
  const found = rows.filter((r) =>
    criteria.every(([tag, pattern]) => pattern.test(tag === 'name' ? r.name : r.description)),
  );
  return returnRows(
    page(found, request).map(
      (r) =>
        `<callManager uuid="${uuid.callManager(r.name)}">${tags
          .map((t) =>
            t === 'processNodeName'
              ? fk(t, r.processNodeName, stableUuid(cluster.config.id, 'processnode', r.node.name))
              : element(t, t === 'name' ? r.name : r.description),
          )
          .join('')}</callManager>`,
    ),
  );
};

const listCallManagerGroup = (call: AxlCall): string => {
  const { cluster, request } = call;
  const uuid = ids(call);
  const criteria = searchCriteria(request, ['name']);
  const tags = returnedTags(request, ['name', 'tftpDefault']);
  const all = cluster.callManagerGroups.groups;
  const found = all.filter((g) => criteria.every(([, pattern]) => pattern.test(g.name)));
  return returnRows(
    page(found, request).map(
      (g) =>
        `<callManagerGroup uuid="${uuid.group(g.name)}">${tags
          .map((t) => element(t, t === 'name' ? g.name : String(g === all[0])))
          .join('')}</callManagerGroup>`,
    ),
  );
};

const getCallManagerGroup = (call: AxlCall): string => {
  const { cluster, request } = call;
  const uuid = ids(call);
  const name = childText(request, 'name');
  const byUuid = childText(request, 'uuid');
  if (!name && !byUuid) throw clientError('name or uuid is required');
  const all = cluster.callManagerGroups.groups;
  const wanted = byUuid ? `{${byUuid.replace(/[{}]/g, '').toUpperCase()}}` : undefined;
  const group = all.find((g) => (name ? g.name === name : uuid.group(g.name) === wanted));
  if (!group)
    throw clientError(
      `Item not valid: The specified CallManager Group ${name ?? byUuid} was not found`,
      AXL_CODE.notFound,
    );
  // returnedTags is optional on get requests: every tag when it is absent.
  const tags = returnedTags(request, ['name', 'tftpDefault', 'members']);
  const members = group.members
    .map((nodeName, i) => {
      const cm = cluster.callManagerGroups.callManagerName(cluster.node(nodeName));
      return `<member uuid="${stableUuid(cluster.config.id, 'callmanagergroupmember', group.name, nodeName)}">${fk('callManagerName', cm, uuid.callManager(cm))}${element('priority', String(i + 1))}</member>`;
    })
    .join('');
  const inner = tags
    .map((t) =>
      t === 'members'
        ? `<members>${members}</members>`
        : element(t, t === 'name' ? group.name : String(group === all[0])),
    )
    .join('');
  return `<return><callManagerGroup uuid="${uuid.group(group.name)}">${inner}</callManagerGroup></return>`;
};

const listDevicePool = (call: AxlCall): string => {
  const { cluster, request } = call;
  const uuid = ids(call);
  const criteria = searchCriteria(request, ['name', 'callManagerGroupName', 'regionName']);
  const tags = returnedTags(request, ['name', 'callManagerGroupName', 'regionName']);
  const value = (p: { name: string; callManagerGroup: string }, tag: string) =>
    tag === 'name' ? p.name : tag === 'callManagerGroupName' ? p.callManagerGroup : 'Default';
  const found = cluster.callManagerGroups.devicePools.filter((p) =>
    criteria.every(([tag, pattern]) => pattern.test(value(p, tag))),
  );
  return returnRows(
    page(found, request).map(
      (p) =>
        `<devicePool uuid="${uuid.pool(p.name)}">${tags
          .map((t) =>
            t === 'name'
              ? element(t, p.name)
              : t === 'callManagerGroupName'
                ? fk(t, p.callManagerGroup, uuid.group(p.callManagerGroup))
                : fk(t, 'Default', stableUuid(cluster.config.id, 'region', 'Default')),
          )
          .join('')}</devicePool>`,
    ),
  );
};

export const REDUNDANCY_OPERATIONS: Readonly<Record<string, (call: AxlCall) => string>> = {
  listCallManager,
  listCallManagerGroup,
  getCallManagerGroup,
  listDevicePool,
};
