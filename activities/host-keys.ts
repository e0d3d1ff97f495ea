/**
 * SSH host keys recorded on first use, for clusters whose inventory allows it (`hostKeyPolicy:
 * "record-on-first-use"`). Once recorded, a key is enforced like a pinned one: a node that later presents another
 * key is refused. Stored as JSON in the worker's data folder.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export interface HostKeyStore {
  get(clusterId: string, nodeId: string): string | undefined;
  record(clusterId: string, nodeId: string, fingerprint: string): void;
}

export class FileHostKeyStore implements HostKeyStore {
  private readonly keys: Record<string, string>;

  constructor(private readonly path: string) {
    this.keys = existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as Record<string, string>) : {};
  }

  get(clusterId: string, nodeId: string): string | undefined {
    return this.keys[`${clusterId}/${nodeId}`];
  }

  record(clusterId: string, nodeId: string, fingerprint: string): void {
    this.keys[`${clusterId}/${nodeId}`] = fingerprint;
    mkdirSync(dirname(this.path), { recursive: true });
    writeFileSync(`${this.path}.tmp`, JSON.stringify(this.keys, null, 2));
    renameSync(`${this.path}.tmp`, this.path);
  }
}

export class MemoryHostKeyStore implements HostKeyStore {
  private readonly keys = new Map<string, string>();
  get(clusterId: string, nodeId: string): string | undefined {
    return this.keys.get(`${clusterId}/${nodeId}`);
  }
  record(clusterId: string, nodeId: string, fingerprint: string): void {
    this.keys.set(`${clusterId}/${nodeId}`, fingerprint);
  }
}
