/**
 * Which HTTPS certificate to trust on a node. CUCM's HTTPS certificate is the tomcat certificate this service
 * regenerates, so a CA bundle rarely helps: by default we pin the node's tomcat certificate as read over the
 * authenticated, host-key-verified SSH session (`show cert own tomcat`). A pin keeps every certificate seen, so
 * both the old one (served until Cisco Tomcat restarts) and the regenerated one are accepted during a rotation.
 * `ca` mode verifies against a CA bundle; `insecure` disables verification for labs and says so on every use.
 *
 * The pin follows the served certificate whoever changed it. Before a request (at most every probeTtlMs, and at once
 * after a TLS failure) a bare handshake reads the certificate the node serves; one not pinned yet is pinned only if
 * it is what the node's own CLI shows as `show cert own tomcat`, read again for the purpose. That is the one safe
 * witness: the SSH session is authenticated and its host key verified, so the answer is the node's, while the
 * served certificate alone is what an impostor on the address would also present. (Verifying against the node's
 * tomcat-trust would need the same SSH read, and trusts more: every tomcat of the cluster and any CA in the store.)
 * So a worker that started before someone else regenerated tomcat follows without a restart; a served certificate
 * the CLI does not show (an impostor, or the old tomcat still served after a regeneration this worker never saw
 * served) stays refused.
 */
import { createHash, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Agent } from 'node:https';
import { connect as tlsConnect, type PeerCertificate } from 'node:tls';
import type { TlsPolicy } from '../../domain/inventory/types';

type ReadTomcatPem = () => Promise<string>;

function fingerprint(pem: string): string {
  return new X509Certificate(pem).fingerprint256;
}

export class NodeTlsTrust {
  private readonly pins = new Map<string, { pem: string; agent: Agent }>(); // fingerprint256 -> pin
  private current: { fingerprint: string; checkedAt: number } | undefined;
  private shared: Agent | undefined;

  constructor(
    readonly label: string,
    private readonly policy: TlsPolicy,
    private readonly readTomcatPem: ReadTomcatPem,
    private readonly warn: (message: string) => void,
    private readonly endpoint?: { host: string; port: number },
    /** How long a probe of the served certificate is reused. */
    private readonly probeTtlMs = 10_000,
  ) {}

  private pin(pem: string): string {
    const fp = fingerprint(pem);
    if (!this.pins.has(fp)) {
      // One agent per pinned certificate: old and new tomcat certificates share a subject, and OpenSSL would only
      // ever try the first one with that subject as the trust anchor.
      const agent = new Agent({
        ca: [pem],
        // A CA-signed tomcat certificate is pinned as it is, without its CA: trust the leaf itself as the anchor
        // (Node >= 20.18; OpenSSL's partial-chain flag).
        allowPartialTrustChain: true,
        keepAlive: true,
        // The node's address rarely matches its certificate's names (an IP, a NAT, the simulator's loopback):
        // identity is the pinned certificate itself, so check the fingerprint instead of the host name.
        checkServerIdentity: (_host: string, cert: PeerCertificate) =>
          cert.fingerprint256 === fp
            ? undefined
            : new Error(
                `${this.label}: the HTTPS certificate ${cert.fingerprint256} is not the pinned tomcat certificate`,
              ),
      });
      this.pins.set(fp, { pem, agent });
    }
    return fp;
  }

  /** An https.Agent that trusts what the policy says; `refresh` re-reads the tomcat certificate over SSH. */
  async agent(refresh = false): Promise<Agent> {
    if (this.policy.mode === 'insecure') {
      this.warn(
        `INSECURE: TLS verification is off for ${this.label} (inventory tls.mode = "insecure"); use it in labs only.`,
      );
      this.shared ??= new Agent({ rejectUnauthorized: false, keepAlive: true });
      return this.shared;
    }
    if (this.policy.mode === 'ca') {
      this.shared ??= new Agent({ ca: readFileSync(this.policy.caFile ?? ''), keepAlive: true });
      return this.shared;
    }
    if (refresh || this.pins.size === 0) {
      this.pin(await this.readTomcatPem());
      this.current = undefined;
    }
    if (!this.current || Date.now() - this.current.checkedAt > this.probeTtlMs) {
      let served = this.endpoint
        ? await probeFingerprint(this.endpoint.host, this.endpoint.port).catch(() => undefined)
        : undefined;
      if (served && !this.pins.has(served)) {
        // Tomcat may have restarted with a regenerated certificate: read it again over SSH before refusing.
        const fp = this.pin(await this.readTomcatPem());
        if (fp !== served) served = undefined;
      }
      const fallback = [...this.pins.keys()].pop() ?? '';
      this.current = { fingerprint: served && this.pins.has(served) ? served : fallback, checkedAt: Date.now() };
    }
    const pin = this.pins.get(this.current.fingerprint);
    if (!pin) throw new Error(`${this.label}: no pinned tomcat certificate`);
    return pin.agent;
  }

  /**
   * A request failed TLS verification: the node may serve a certificate someone else put there (a tomcat
   * regenerated by another worker or by an engineer, then Cisco Tomcat restarted). Forget the last probe, so the
   * next agent() looks at what is served now and re-pins it if the node's own CLI shows it.
   */
  tlsFailed(): void {
    this.current = undefined;
  }

  /** Fingerprints currently trusted (for logs and tests). */
  pinned(): string[] {
    return [...this.pins.keys()];
  }
}

/** The fingerprint a node presents, from a bare handshake (no request, no credentials sent). */
function probeFingerprint(host: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ host, port, rejectUnauthorized: false }, () => {
      const fp = socket.getPeerCertificate().fingerprint256;
      socket.end();
      resolve(fp);
    });
    socket.setTimeout(10_000, () => socket.destroy(new Error('TLS probe timed out')));
    socket.once('error', reject);
  });
}

/** The SHA-256 fingerprint of the certificate a node serves on HTTPS (for verification of tomcat). */
export function servedFingerprint(cert: PeerCertificate): string {
  return cert.fingerprint256 || createHash('sha256').update(cert.raw).digest('hex');
}
