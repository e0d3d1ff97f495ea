/**
 * The cluster inventory: which clusters exist and how to reach them. It holds secret *references* only
 * (`env:NAME`, `file:/path`); activities resolve them at run time (see ./secrets.ts), so nothing secret ever
 * reaches a workflow's history.
 */
import type { NotificationEventKind } from '../workflows/notification-events';
import type { GateKind, MaintenanceWindow } from '../workflows/types';

export type NodeRole = 'publisher' | 'subscriber';

export interface InventoryNode {
  /** Stable id used in workflow arguments and API documents (the node's hostname on a real cluster). */
  id: string;
  role: NodeRole;
  /** Address the worker connects to. */
  host: string;
  sshPort: number;
  /** HTTPS port of Tomcat (AXL, RisPort70, Control Center Services, certificate REST API); 8443 by default. */
  httpsPort: number;
  /** Pinned SSH host key, OpenSSH style `SHA256:<base64>`; a mismatch refuses the connection. */
  sshHostKeySha256?: string;
}

export interface CredentialRef {
  username: string;
  /** `env:NAME` or `file:/absolute/path`. */
  passwordRef: string;
}

/**
 * How the worker trusts a node's HTTPS certificate (which is the very tomcat certificate we regenerate):
 * - `pin-tomcat` (default): trust exactly the node's tomcat certificate as read over the authenticated SSH session,
 *   re-read after a tomcat regeneration;
 * - `ca`: verify against a CA bundle (for CA-signed tomcat certificates), `caFile` on the worker's disk;
 * - `insecure`: no verification, for labs only; logged loudly on every connection.
 */
export interface TlsPolicy {
  mode: 'pin-tomcat' | 'ca' | 'insecure';
  caFile?: string;
}

export interface InventoryCluster {
  id: string;
  name: string;
  /**
   * The publisher, and any subscribers worth listing. Subscribers that are not listed are learned at run time from
   * the publisher's `show network cluster` (id = hostname, address as CUCM prints it, the publisher's SSH and HTTPS
   * ports); a listed node takes precedence over what the publisher says.
   */
  nodes: InventoryNode[];
  /**
   * SSH host-key fingerprints by hostname (`{"cucm-sub1": "SHA256:..."}`), for subscribers that are not listed in
   * `nodes` (and for listed nodes without `sshHostKeySha256`). Under `hostKeyPolicy: "pinned"`, a discovered node
   * without an entry here is refused.
   */
  sshHostKeys?: Record<string, string>;
  credentials: {
    /** Platform (OS) administrator: SSH CLI and the certificate REST API. */
    osAdmin: CredentialRef;
    /** Application user with AXL and serviceability roles: AXL, RisPort70, Control Center Services. */
    axl?: CredentialRef;
  };
  /**
   * `pinned` (default) refuses a node without a fingerprint (`sshHostKeySha256`, or `sshHostKeys` by hostname);
   * `record-on-first-use` records the first key seen.
   */
  hostKeyPolicy: 'pinned' | 'record-on-first-use';
  tls: TlsPolicy;
  /** RisPort70 requests per minute for the whole cluster (CUCM's "Allowed Device Queries Per Minute", default 15). */
  risportRequestsPerMinute: number;
  /** Where to tell people about this cluster's runs (gates, failures, endings, renewals); none by default. */
  notifications?: NotificationChannel[];
  /**
   * Renew a certificate unit once it has this many days left or fewer (the expiry watch; default 60). The expiry
   * fields are optional here so that inventories built in code need not spell them; loadInventory fills them in and
   * inventory/expiry-policy.ts gives the defaults.
   */
  renewBeforeDays?: number;
  /** When the daily expiry watch runs (a Temporal Schedule per cluster): local "HH:MM" in an IANA zone. */
  expiryWatch?: { at: string; timeZone: string };
  /** The recurring window in which a renewal the watch starts may change the cluster (as a request's). */
  maintenanceWindow?: MaintenanceWindow;
  /** The optional gates of a renewal the watch starts (default ['before-start']: an engineer approves it). */
  renewal?: { approvals: GateKind[] };
  /**
   * Unified CCX nodes that trust this cluster's tomcat certificates (Finesse, the CCX Engine's AXL and the
   * notification service call CUCM over HTTPS): after a tomcat or tomcat-ECDSA change a gated step uploads the new
   * certificates into their tomcat-trust and restarts what Cisco's UCCX procedure asks (docs/uccx.md).
   */
  uccxNodes?: UccxNode[];
}

/** A UCCX node, reached over its own VOS CLI with its own platform administrator (a secret reference). */
export interface UccxNode {
  /** The node's hostname; unique among the cluster's CUCM and UCCX nodes. */
  id: string;
  host: string;
  sshPort: number;
  /** Pinned SSH host key, `SHA256:<base64>`; required unless the cluster's hostKeyPolicy is record-on-first-use. */
  sshHostKeySha256?: string;
  /** The UCCX platform (OS) administrator: the CLI that imports trust certificates and restarts services. */
  osAdmin: CredentialRef;
}

/**
 * A notification channel. Every URL, token and password is a secret reference (incoming-webhook URLs carry their
 * token in the path): the activity that delivers resolves them at run time.
 */
export type NotificationChannel = WebhookChannel | ChatChannel | EmailChannel;

interface ChannelBase {
  /** Unique within the cluster; named in metrics, logs and the run state. */
  id: string;
  /** Only these events; all of them when absent. */
  events?: NotificationEventKind[];
}

/** A generic JSON webhook: the event as JSON, signed with HMAC-SHA256 (see activities/notify/). */
export interface WebhookChannel extends ChannelBase {
  kind: 'webhook';
  urlRef: string;
  hmacKeyRef: string;
}

/** Webex, Microsoft Teams (Workflows / Power Automate webhook) and Slack incoming webhooks. */
export interface ChatChannel extends ChannelBase {
  kind: 'webex' | 'teams' | 'slack';
  urlRef: string;
}

export interface EmailChannel extends ChannelBase {
  kind: 'email';
  smtp: {
    host: string;
    /** 587 by default (submission with STARTTLS). */
    port: number;
    /** `starttls` (default; refuses to send in clear), `tls` (implicit TLS, e.g. 465), `none` (labs only). */
    security: 'starttls' | 'tls' | 'none';
    username?: string;
    passwordRef?: string;
  };
  from: string;
  to: string[];
}

export interface Inventory {
  clusters: InventoryCluster[];
}
