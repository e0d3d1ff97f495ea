/**
 * The phone fleet. Each phone holds the ITL (and, in mixed mode, the CTL) it last accepted. A reset does not
 * unregister it at once: it stays Registered for a while (it must receive the reset and reboot: `dropDelayMs`), then
 * unregisters; after a further random delay it downloads the files its TFTP server serves now and re-registers **only if it can still
 * trust them**, as real phones do:
 *   - a file signed by a certificate the phone already trusts (in its ITL or CTL) is accepted;
 *   - otherwise the phone asks TVS on its node; TVS vouches only if TVS is running, the phone trusts TVS's current
 *     certificate, and TVS knows the signer (TVS reads its stores when it starts);
 *   - a secure (authenticated/encrypted) phone in mixed mode also needs its CallManager's live certificate in its CTL.
 * So regenerating CallManager and TVS together while the ITL is signed by CallManager strands phones, and so does a
 * CallManager regeneration without `utils ctl update CTLFile` and a TFTP restart in mixed mode. "Bad ITL" phones
 * never come back.
 */
import { FAILOVER_DELAY_MS } from './callmanager-groups';
import { PHONE_DROP_DELAY_MS, PHONE_FALLBACK_DELAY_MS, PHONE_MODEL_FACTS, PHONE_REGISTER_DELAY_MS } from './facts';
import type { SimCluster, SimNode } from './model';
import { SERVICE } from './services';
import type { SignedTrustFile } from './trust-files';

export interface PhoneFleetConfig {
  /** Number of phones (0 to 40,000), spread across the call-processing nodes. */
  count: number;
  /** Share of authenticated/encrypted phones (mixed mode only); default 0.2. */
  secureShare?: number;
  /** Phones with a corrupt ITL: they never come back after a reset. */
  badItl?: number;
  /** Real-world re-registration delay after a reset's drop, [min, max] ms; default PHONE_REGISTER_DELAY_MS. */
  registerDelayMs?: [number, number];
  /**
   * Real-world delay between the reset (AXL doDeviceReset returning) and the phone leaving registration, [min, max]
   * ms, scaled like every delay and never 0 (at least 1 ms after scaling); default PHONE_DROP_DELAY_MS.
   */
  dropDelayMs?: [number, number];
  /**
   * Real-world delay between a phone's primary CallManager starting again and the phone, registered with a backup,
   * falling back to it (make-before-break), [min, max] ms, scaled; default PHONE_FALLBACK_DELAY_MS.
   */
  fallbackDelayMs?: [number, number];
  seed?: number;
  /** Device pools the phones are spread over, round robin (default: every device pool of the cluster). */
  devicePools?: string[];
  /**
   * Log every registration change as a `phone-status` event {phone, status, reason} (off by default: a 40,000-phone
   * wave would flood the log). A test that checks which phone was back when turns it on.
   */
  logStatusChanges?: boolean;
}

type RegistrationStatus = 'Registered' | 'UnRegistered' | 'Rejected';

export interface SimPhone {
  name: string;
  dirNumber: string;
  model: number;
  product: string;
  description: string;
  ip: string;
  protocol: 'SIP' | 'SCCP';
  /** The call-processing node it is (or was last) registered to. */
  node: string;
  /** Its device pool: the CallManager group it registers through (see callmanager-groups.ts). */
  devicePool: string;
  secure: boolean;
  badItl: boolean;
  status: RegistrationStatus;
  /** Why it is not registered, in an engineer's words. */
  reason?: string;
  /** Epoch seconds of the last status change, as RisPort reports TimeStamp. */
  timestamp: number;
  itl?: SignedTrustFile;
  ctl?: SignedTrustFile;
  resets: number;
  /** A re-registration is scheduled. */
  pending: boolean;
  /** Reset, still registered: it drops when its drop timer fires. */
  dropping: boolean;
  /** Registered with a backup, its primary back: it falls back when its fallback timer fires. */
  fallingBack?: boolean;
  /** Switched off (control API): unregistered, deaf to resets, never registers. */
  offline?: boolean;
}

/** Deterministic PRNG (mulberry32): the same seed gives the same fleet and the same delays. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const MODELS = PHONE_MODEL_FACTS;

const now = () => Math.floor(Date.now() / 1000);

export class PhoneFleet {
  readonly list: SimPhone[] = [];
  private readonly byName = new Map<string, SimPhone>();
  private readonly random: () => number;
  /** When each pending phone's registration timer fires (performance.now() ms). */
  private readonly dueAt = new Map<string, number>();

  constructor(
    private readonly cluster: SimCluster,
    private readonly config: PhoneFleetConfig,
  ) {
    if (config.count < 0 || config.count > 40_000)
      throw new Error(`phones.count must be 0..40000, got ${config.count}`);
    this.random = prng(config.seed ?? 42);
  }

  populate(): void {
    const groups = this.cluster.callManagerGroups;
    const pools = this.config.devicePools ?? groups.devicePools.map((p) => p.name);
    if (this.config.count > 0 && pools.length === 0) throw new Error('phones need at least one call-processing node');
    const secureShare = this.cluster.mixedMode ? (this.config.secureShare ?? 0.2) : 0;
    for (let i = 0; i < this.config.count; i++) {
      const devicePool = pools[i % pools.length]!;
      const node = groups.reachable(devicePool) ?? this.cluster.node(groups.groupOf(devicePool).members[0]!);
      const { model, product } = MODELS[i % MODELS.length]!;
      const mac = (0x00a0c9000000 + i).toString(16).toUpperCase().padStart(12, '0');
      const phone: SimPhone = {
        name: `SEP${mac}`,
        dirNumber: String(100000 + i),
        model,
        product,
        description: `Phone ${i + 1} (${product})`,
        ip: `10.${100 + ((i >> 16) & 0xff)}.${(i >> 8) & 0xff}.${i & 0xff}`,
        protocol: 'SIP',
        node: node.name,
        devicePool,
        secure: this.random() < secureShare,
        badItl: false,
        status: 'Registered',
        timestamp: now(),
        itl: this.tftpFor(node)?.servedItl,
        ctl: this.cluster.mixedMode ? this.cluster.ctlFile : undefined,
        resets: 0,
        pending: false,
        dropping: false,
      };
      this.list.push(phone);
      this.byName.set(phone.name, phone);
    }
    this.markBadItl(this.config.badItl ?? 0);
  }

  get(name: string): SimPhone | undefined {
    return this.byName.get(name);
  }

  markBadItl(count: number): void {
    // The last phones of the fleet: deterministic, and easy to spot in tests.
    for (const phone of this.list.slice(Math.max(0, this.list.length - count))) phone.badItl = true;
  }

  counts(): Record<RegistrationStatus, number> {
    const counts: Record<RegistrationStatus, number> = { Registered: 0, UnRegistered: 0, Rejected: 0 };
    for (const p of this.list) counts[p.status] += 1;
    return counts;
  }

  /** The TFTP server a phone uses: its own node's, else the first node running TFTP. */
  private tftpFor(node: SimNode): SimNode | undefined {
    if (node.isStarted(SERVICE.tftp)) return node;
    return this.cluster.nodes.find((n) => n.isStarted(SERVICE.tftp));
  }

  private setStatus(phone: SimPhone, status: RegistrationStatus, reason?: string): void {
    const was = phone.status;
    phone.status = status;
    phone.reason = reason;
    phone.timestamp = now();
    if (was === status) return;
    if (this.config.logStatusChanges)
      this.cluster.log(phone.node, 'phone', 'phone-status', {
        phone: phone.name,
        status,
        ...(reason ? { reason } : {}),
      });
  }

  private delayMs(): number {
    const [min, max] = this.config.registerDelayMs ?? PHONE_REGISTER_DELAY_MS;
    return this.cluster.clock.scaled(min + this.random() * (max - min));
  }

  /** From the reset to the drop: never 0, so no reader ever sees a reset phone leave at the reset's instant. */
  private dropDelay(): number {
    const [min, max] = this.config.dropDelayMs ?? PHONE_DROP_DELAY_MS;
    return Math.max(1, this.cluster.clock.scaled(min + this.random() * (max - min)));
  }

  private schedule(phone: SimPhone, download: boolean): void {
    if (phone.pending) return;
    phone.pending = true;
    const ms = this.delayMs();
    this.dueAt.set(phone.name, performance.now() + ms);
    setTimeout(() => {
      phone.pending = false;
      this.register(phone, download);
    }, ms).unref();
  }

  /**
   * A reset (AXL doDeviceReset, or a bulk reset): the phone stays as it is for its drop delay, then unregisters and
   * comes back later if the files still verify. A second reset before the drop changes nothing more.
   */
  reset(phone: SimPhone, actor: string): void {
    const at = performance.now();
    phone.resets += 1;
    this.cluster.log(phone.node, actor, 'phone-reset', { phone: phone.name, resets: String(phone.resets) });
    if (phone.dropping || phone.offline) return;
    phone.dropping = true;
    setTimeout(() => {
      phone.dropping = false;
      this.setStatus(phone, 'UnRegistered', 'Reset');
      this.schedule(phone, true);
      // For benches: the caller waits from the reset until the phone is back (a phone already pending, e.g. because
      // its CallManager just restarted, comes back at its earlier timer).
      this.cluster.clock.record('phone-registration', at, Math.max(0, (this.dueAt.get(phone.name) ?? at) - at));
    }, this.dropDelay()).unref();
  }

  /**
   * Switches a phone off (it unregisters, RisPort70's TimeStamp `since`, epoch seconds, default now) or on again
   * (it registers after its usual delay).
   */
  setPower(phone: SimPhone, offline: boolean, since?: number): void {
    if (offline) {
      phone.offline = true;
      this.setStatus(phone, 'UnRegistered', 'Powered off');
      if (since !== undefined) phone.timestamp = since;
      return;
    }
    if (!phone.offline) return;
    phone.offline = false;
    this.schedule(phone, true);
  }

  /**
   * Cisco CallManager stops on `node`: its phones fail over to the next member of their group that runs (after a
   * short delay), or, with none, are left without a CallManager (recorded: callmanager-groups.ts).
   */
  callManagerStopped(node: SimNode): void {
    const groups = this.cluster.callManagerGroups;
    const stranded: SimPhone[] = [];
    for (const phone of this.list) {
      if (phone.node !== node.name || phone.status !== 'Registered') continue;
      const backup = groups.reachable(phone.devicePool, node);
      if (!backup) {
        stranded.push(phone);
        this.setStatus(phone, 'UnRegistered', `No CallManager of ${groups.groupOf(phone.devicePool).name} reachable`);
        continue;
      }
      this.setStatus(phone, 'UnRegistered', `CallManager ${node.name} restarting: failing over to ${backup.name}`);
      this.failOver(phone);
    }
    groups.recordStranded(node, stranded);
  }

  /**
   * Cisco CallManager started on `node`: phones of its groups without a CallManager register (after their usual
   * delay), and phones on a lower-priority member fall back to it after their fallback delay (make-before-break:
   * they stay registered; a phone whose backup restarts before it fell back drops a second time).
   */
  callManagerStarted(node: SimNode): void {
    const groups = this.cluster.callManagerGroups;
    for (const phone of this.list) {
      const rank = groups.rank(phone.devicePool, node.name);
      if (rank === Infinity && phone.node !== node.name) continue;
      if (phone.status !== 'Registered' && !phone.pending) this.schedule(phone, false);
      else if (phone.status === 'Registered' && rank < groups.rank(phone.devicePool, phone.node))
        this.fallBack(phone, node);
    }
  }

  private fallBack(phone: SimPhone, node: SimNode): void {
    if (phone.fallingBack) return;
    phone.fallingBack = true;
    const [min, max] = this.config.fallbackDelayMs ?? PHONE_FALLBACK_DELAY_MS;
    setTimeout(
      () => {
        phone.fallingBack = false;
        const groups = this.cluster.callManagerGroups;
        const better = groups.rank(phone.devicePool, node.name) < groups.rank(phone.devicePool, phone.node);
        if (phone.status !== 'Registered' || !better || !node.isStarted(SERVICE.callManager)) return;
        const from = phone.node;
        phone.node = node.name;
        this.register(phone, false);
        if (this.config.logStatusChanges)
          this.cluster.log(node.name, 'phone', 'phone-fallback', { phone: phone.name, from, to: node.name });
      },
      this.cluster.clock.scaled(min + this.random() * (max - min)),
    ).unref();
  }

  private failOver(phone: SimPhone): void {
    if (phone.pending) return;
    phone.pending = true;
    const [min, max] = FAILOVER_DELAY_MS;
    const ms = this.cluster.clock.scaled(min + this.random() * (max - min));
    this.dueAt.set(phone.name, performance.now() + ms);
    setTimeout(() => {
      phone.pending = false;
      this.register(phone, false);
    }, ms).unref();
  }

  /** True when TVS on the phone's node can vouch for `serial` to this phone. */
  private tvsVouches(phone: SimPhone, node: SimNode, serial: string): boolean {
    if (!node.isStarted(SERVICE.tvs) || !node.certificates.has('TVS')) return false;
    const tvsCert = node.activeCertificate('TVS');
    const trustsTvs = !!phone.itl?.serials.has(tvsCert.serial);
    return trustsTvs && node.tvsKnown.has(serial);
  }

  private trusts(phone: SimPhone, node: SimNode, file: SignedTrustFile): boolean {
    const signer = file.signer.serial;
    return !!phone.itl?.serials.has(signer) || !!phone.ctl?.serials.has(signer) || this.tvsVouches(phone, node, signer);
  }

  private register(phone: SimPhone, download: boolean): void {
    if (phone.offline) return;
    const cluster = this.cluster;
    // A phone registers with the first CallManager of its group that answers.
    const home = cluster.callManagerGroups.reachable(phone.devicePool);
    if (home) phone.node = home.name;
    else cluster.callManagerGroups.recordStranded(cluster.node(phone.node), [phone]);
    const node = cluster.node(phone.node);
    if (phone.badItl)
      return this.setStatus(phone, 'UnRegistered', 'ITL file could not be verified (corrupt ITL on the phone)');
    if (download) {
      const tftp = this.tftpFor(node);
      if (!tftp?.servedItl) return this.setStatus(phone, 'UnRegistered', 'TFTP server unavailable');
      const ctl = cluster.mixedMode ? tftp.servedCtl : undefined;
      if (ctl && phone.ctl && ctl.id !== phone.ctl.id) {
        if (!this.trusts(phone, node, ctl))
          return this.setStatus(
            phone,
            'UnRegistered',
            `CTL file signature not trusted (signer ${ctl.signer.unit} ${ctl.signer.serial})`,
          );
        phone.ctl = ctl;
      } else if (ctl && !phone.ctl) {
        phone.ctl = ctl;
      }
      const itl = tftp.servedItl;
      if (!phone.itl || itl.id !== phone.itl.id) {
        if (phone.itl && !this.trusts(phone, node, itl)) {
          return this.setStatus(
            phone,
            'UnRegistered',
            `ITL file signature not trusted and TVS could not verify it (signer ${itl.signer.unit} ${itl.signer.serial})`,
          );
        }
        phone.itl = itl;
      }
    }
    if (!node.isStarted(SERVICE.callManager)) return this.setStatus(phone, 'UnRegistered', 'CallManager not running');
    if (phone.secure && cluster.mixedMode) {
      const cm = node.activeCertificate('CallManager');
      if (!phone.ctl?.serials.has(cm.serial))
        return this.setStatus(
          phone,
          'Rejected',
          `TLS handshake failed: CallManager certificate ${cm.serial} is not in the phone's CTL`,
        );
    }
    this.setStatus(phone, 'Registered');
  }
}
