/**
 * The cluster inventory: which clusters exist and how to reach them. It holds secret *references* only
 * (`env:NAME`, `file:/path`); activities resolve them at run time (see ./secrets.ts), so nothing secret ever
 * reaches a workflow's history.
 *
 * The types come from the schema (./schema.ts, where each field is described), as loadInventory returns them:
 * a field the schema gives a default is always present here. The expiry-watch fields stay optional so that
 * inventories built in code need not spell them (domain/inventory/expiry-policy.ts gives their defaults).
 */
import type { Static } from '@sinclair/typebox';
import type {
  ApprovalPolicySchema,
  AcmeIssuerSchema,
  ChatChannelSchema,
  ClusterSchema,
  CredentialSchema,
  EmailChannelSchema,
  NodeRoleSchema,
  NodeSchema,
  TlsSchema,
  UccxNodeSchema,
  WebhookChannelSchema,
} from './schema';

/** T with the fields K required: what a `default` of the schema guarantees after loading. */
type Defaulted<T, K extends keyof T> = { [P in keyof T as P extends K ? never : P]: T[P] } & {
  [P in K]-?: Exclude<T[P], undefined>;
};

export type NodeRole = Static<typeof NodeRoleSchema>;
export type InventoryNode = Defaulted<Static<typeof NodeSchema>, 'sshPort' | 'httpsPort'>;
export type CredentialRef = Static<typeof CredentialSchema>;
/** How the worker trusts a node's HTTPS certificate (the very tomcat certificate the service regenerates). */
export type TlsPolicy = Static<typeof TlsSchema>;
/** A UCCX node, reached over its own VOS CLI with its own platform administrator (a secret reference). */
type UccxNode = Defaulted<Static<typeof UccxNodeSchema>, 'sshPort'>;

/** A generic JSON webhook: the event as JSON, signed with HMAC-SHA256 (see activities/notify/). */
type WebhookChannel = Static<typeof WebhookChannelSchema>;
/** Webex, Microsoft Teams (Workflows / Power Automate webhook) and Slack incoming webhooks. */
type ChatChannel = Static<typeof ChatChannelSchema>;
type EmailInput = Static<typeof EmailChannelSchema>;
export type EmailChannel = Omit<EmailInput, 'smtp'> & { smtp: Defaulted<EmailInput['smtp'], 'port' | 'security'> };
/**
 * A notification channel. Every URL, token and password is a secret reference (incoming-webhook URLs carry their
 * token in the path): the activity that delivers resolves them at run time.
 */
export type NotificationChannel = WebhookChannel | ChatChannel | EmailChannel;

/** An ACME issuer (RFC 8555) of a cluster: every key and TSIG secret is a secret reference, resolved by activities. */
export type AcmeIssuer = Static<typeof AcmeIssuerSchema>;
export type Dns01Solver = AcmeIssuer['dns01'];

type ClusterInput = Static<typeof ClusterSchema>;
export type InventoryCluster = Defaulted<
  Omit<ClusterInput, 'nodes' | 'notifications' | 'uccxNodes' | 'escalation'>,
  'name' | 'hostKeyPolicy' | 'tls' | 'risportRequestsPerMinute'
> & {
  nodes: InventoryNode[];
  notifications?: NotificationChannel[];
  /** Where a gate left open is escalated (the gate-escalated event only). */
  escalation?: NotificationChannel[];
  uccxNodes?: UccxNode[];
};

/** Approval rules, tried in order (domain/policy): a cluster's, and the inventory's defaults after them. */
export type ApprovalPolicyInput = Static<typeof ApprovalPolicySchema>;

export interface Inventory {
  clusters: InventoryCluster[];
  /** The inventory's default approval rules, tried after each cluster's own. */
  approvalPolicy?: ApprovalPolicyInput;
}

/** The inventory's cluster with this id, if any. */
export function findCluster(inventory: Inventory, clusterId: string): InventoryCluster | undefined {
  return inventory.clusters.find((c) => c.id === clusterId);
}
