/**
 * Which HTTPS certificate to trust on a node. CUCM's HTTPS certificate is the tomcat certificate this service
 * regenerates, so a CA bundle rarely helps: by default we pin the node's tomcat certificate as read over the
 * authenticated, host-key-verified SSH session (`show cert own tomcat`). A pin keeps every certificate seen, so
 * both the old one (served until Cisco Tomcat restarts) and the regenerated one are accepted during a rotation.
 * `ca` mode verifies against a CA bundle; `insecure` disables verification for labs and says so on every use.
 */
import { createHash, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Agent } from 'node:https';
import type { PeerCertificate } from 'node:tls';
import type { TlsPolicy } from '../../inventory/types';

export type ReadTomcatPem = () => Promise<string>;

function fingerprint(pem: string): string {
  return new X509Certificate(pem).fingerprint256;
}

export class NodeTlsTrust {
  private readonly pins = new Map<string, string>(); // fingerprint256 -> PEM
  private agentCache: Agent | undefined;

  constructor(
    readonly label: string,
    private readonly policy: TlsPolicy,
    private readonly readTomcatPem: ReadTomcatPem,
    private readonly warn: (message: string) => void,
  ) {}

  /** An https.Agent that trusts what the policy says; re-pins from SSH when `refresh` is set. */
  async agent(refresh = false): Promise<Agent> {
    if (this.policy.mode === 'insecure') {
      this.warn(
        `INSECURE: TLS verification is off for ${this.label} (inventory tls.mode = "insecure"); use it in labs only.`,
      );
      this.agentCache ??= new Agent({ rejectUnauthorized: false, keepAlive: true });
      return this.agentCache;
    }
    if (this.policy.mode === 'ca') {
      this.agentCache ??= new Agent({ ca: readFileSync(this.policy.caFile ?? ''), keepAlive: true });
      return this.agentCache;
    }
    if (refresh || this.pins.size === 0) {
      const pem = await this.readTomcatPem();
      const fp = fingerprint(pem);
      if (!this.pins.has(fp)) {
        this.pins.set(fp, pem);
        this.agentCache = undefined;
      }
    }
    this.agentCache ??= new Agent({
      ca: [...this.pins.values()],
      keepAlive: true,
      // The node's address rarely matches its certificate's names (an IP, a NAT, the simulator's loopback):
      // identity is the pinned certificate itself, so check the fingerprint instead of the host name.
      checkServerIdentity: (_host: string, cert: PeerCertificate) =>
        this.pins.has(cert.fingerprint256)
          ? undefined
          : new Error(
              `${this.label}: the HTTPS certificate ${cert.fingerprint256} is not the pinned tomcat certificate`,
            ),
    });
    return this.agentCache;
  }

  /** Fingerprints currently trusted (for logs and tests). */
  pinned(): string[] {
    return [...this.pins.keys()];
  }
}

/** The SHA-256 fingerprint of the certificate a node serves on HTTPS (for verification of tomcat). */
export function servedFingerprint(cert: PeerCertificate): string {
  return cert.fingerprint256 || createHash('sha256').update(cert.raw).digest('hex');
}
