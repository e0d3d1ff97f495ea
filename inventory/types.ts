/**
 * The cluster inventory: which clusters exist and how to reach them. It holds secret *references* only
 * (`env:NAME`, `file:/path`); activities resolve them at run time (see ./secrets.ts), so nothing secret ever
 * reaches a workflow's history.
 */
export type NodeRole = 'publisher' | 'subscriber';

export interface InventoryNode {
  /** Stable id used in workflow arguments and API documents (the node's hostname on a real cluster). */
  id: string;
  role: NodeRole;
  /** Address the worker connects to. */
  host: string;
  sshPort: number;
  /** Pinned SSH host key, OpenSSH style `SHA256:<base64>`; a mismatch refuses the connection. */
  sshHostKeySha256?: string;
}

export interface CredentialRef {
  username: string;
  /** `env:NAME` or `file:/absolute/path`. */
  passwordRef: string;
}

export interface InventoryCluster {
  id: string;
  name: string;
  nodes: InventoryNode[];
  credentials: { osAdmin: CredentialRef };
}

export interface Inventory {
  clusters: InventoryCluster[];
}
