/**
 * What a node's SSH server says about itself, by release: the ident (SSH-2.0-<software>) and the algorithms its
 * KEXINIT offers, and the server-sig-algs extension it sends (RFC 8308) — a coherent set for the OpenSSH the
 * platform ships. Which OpenSSH each CUCM release runs is not in a public Cisco document: `guess`, from the VOS
 * platform's base OS (RHEL 6 for 10.5–11.5, CentOS 7 for 12.x–14, RHEL 8 family for 15). What each OpenSSH release
 * offers by default is in its release notes (https://www.openssh.com/releasenotes.html): ECDH from 5.7, curve25519
 * from 6.5, rsa-sha2-* and EXT_INFO from 7.2, group14-sha256/16/18 from 7.3, strict KEX (kex-strict-s-v00) only
 * from 9.6. Algorithms the simulator's SSH library (ssh2) cannot serve are left out of the offers, although the real
 * OpenSSH offers them: umac-*, arcfour*, blowfish-cbc, cast128-cbc, and diffie-hellman-group-exchange-* (ssh2's
 * server refuses a group-exchange request: "Group exchange not implemented for server").
 */
import type { CipherAlgorithm, KexAlgorithm, MacAlgorithm, ServerHostKeyAlgorithm } from 'ssh2';
import { atLeast, type VersionLike } from './version';

export interface SshProfile {
  /** Software version as the ident line carries it: `SSH-2.0-${software}`. */
  software: string;
  kex: KexAlgorithm[];
  /** Host-key algorithms for the node's RSA host key, in preference order. */
  serverHostKey: ServerHostKeyAlgorithm[];
  cipher: CipherAlgorithm[];
  hmac: MacAlgorithm[];
  /** The server-sig-algs extension, or undefined when the server sends no EXT_INFO (before OpenSSH 7.2). */
  serverSigAlgs?: string[];
  /** kex-strict-s-v00@openssh.com in the KEXINIT (OpenSSH 9.6+ only). */
  strictKex: boolean;
  source: string;
}

const OPENSSH_5_3: SshProfile = {
  software: 'OpenSSH_5.3',
  kex: ['diffie-hellman-group14-sha1', 'diffie-hellman-group1-sha1'],
  serverHostKey: ['ssh-rsa'],
  cipher: ['aes128-ctr', 'aes192-ctr', 'aes256-ctr', 'aes128-cbc', '3des-cbc', 'aes192-cbc', 'aes256-cbc'],
  hmac: ['hmac-md5', 'hmac-sha1', 'hmac-ripemd160', 'hmac-sha1-96', 'hmac-md5-96'],
  strictKex: false,
  source: 'guess: RHEL 6 base (OpenSSH 5.3p1 defaults, release notes 5.3)',
};

/** OpenSSH 7.4 and 8.0 list every plain key type in server-sig-algs, in their key table's order. */
const SIG_ALGS_7 = [
  'ssh-ed25519',
  'ssh-rsa',
  'rsa-sha2-256',
  'rsa-sha2-512',
  'ssh-dss',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
];

const OPENSSH_7_4: SshProfile = {
  software: 'OpenSSH_7.4',
  kex: [
    'curve25519-sha256',
    'curve25519-sha256@libssh.org',
    'ecdh-sha2-nistp256',
    'ecdh-sha2-nistp384',
    'ecdh-sha2-nistp521',
    'diffie-hellman-group16-sha512',
    'diffie-hellman-group18-sha512',
    'diffie-hellman-group14-sha256',
    'diffie-hellman-group14-sha1',
  ],
  serverHostKey: ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'],
  cipher: [
    'chacha20-poly1305@openssh.com',
    'aes128-ctr',
    'aes192-ctr',
    'aes256-ctr',
    'aes128-gcm@openssh.com',
    'aes256-gcm@openssh.com',
    'aes128-cbc',
    'aes192-cbc',
    'aes256-cbc',
    '3des-cbc',
  ],
  hmac: [
    'hmac-sha2-256-etm@openssh.com',
    'hmac-sha2-512-etm@openssh.com',
    'hmac-sha1-etm@openssh.com',
    'hmac-sha2-256',
    'hmac-sha2-512',
    'hmac-sha1',
  ],
  serverSigAlgs: SIG_ALGS_7,
  strictKex: false,
  source:
    'guess: CentOS 7 base (OpenSSH 7.4p1 defaults, release notes 7.4; CBC ciphers as RHEL 7 keeps them). That 14 accepts current algorithms (no SHA-1 key exchange needed): public clients log in to live 14/15 nodes with ssh2 defaults (calltelemetry/cisco-cucm-mcp src/ssh.ts, sieteunoseis/netSSL ssh-client.ts)',
};

const OPENSSH_8_0: SshProfile = {
  ...OPENSSH_7_4,
  software: 'OpenSSH_8.0',
  cipher: OPENSSH_7_4.cipher.filter((c) => c !== 'aes192-cbc' && c !== '3des-cbc'),
  source:
    'guess: RHEL 8 family base (OpenSSH 8.0p1 defaults, release notes 8.0, under the DEFAULT crypto policy). That 15 accepts ssh2 defaults: calltelemetry/cisco-cucm-mcp src/ssh.ts (live CUCM 15)',
};

/**
 * How a node lets the administrator log in. Public clients disagree: one tested against a live CUCM 15 logs in with
 * keyboard-interactive only, as CUCM "rejects plain password" (calltelemetry/cisco-cucm-mcp, src/ssh.ts, commit
 * 602d6d53); others log in with password (sieteunoseis/netSSL, ssh-client.ts; the expect-style scripts of
 * cucm-interfaces.md section 1). OpenSSH's own defaults allow both (PasswordAuthentication and
 * KbdInteractiveAuthentication yes; sshd_config(5)), its PAM conversation asking one `Password: `. Both variants are
 * served; which one a real release ships is open, so the default accepts both and a cluster's config
 * (`sshPasswordAuthentication: false`, as sshd_config spells it) refuses password.
 */
export type SshAuthMethod = 'password' | 'keyboard-interactive';

export interface SshAuthVariant {
  methods: SshAuthMethod[];
  /** The one prompt of the keyboard-interactive exchange (OpenSSH with PAM: `Password: `, not echoed). */
  prompt: string;
  source: string;
}

export const SSH_AUTH_VARIANTS: Record<
  'password-and-keyboard-interactive' | 'keyboard-interactive-only',
  SshAuthVariant
> = {
  'password-and-keyboard-interactive': {
    methods: ['password', 'keyboard-interactive'],
    prompt: 'Password: ',
    source:
      'ref §7: sieteunoseis/netSSL ssh-client.ts (password login); sshd_config(5) defaults PasswordAuthentication yes, KbdInteractiveAuthentication yes',
  },
  'keyboard-interactive-only': {
    methods: ['keyboard-interactive'],
    prompt: 'Password: ',
    source:
      'ref §7: calltelemetry/cisco-cucm-mcp src/ssh.ts, commit 602d6d53 (live CUCM 15: "rejects plain password", keyboard-interactive only)',
  },
};

/** The login methods a node serves: both unless its cluster's config refuses password. */
export function sshAuthVariant(passwordAuthentication: boolean | undefined): SshAuthVariant {
  return SSH_AUTH_VARIANTS[
    passwordAuthentication === false ? 'keyboard-interactive-only' : 'password-and-keyboard-interactive'
  ];
}

export function sshProfile(v: VersionLike): SshProfile {
  if (atLeast(v, 15)) return OPENSSH_8_0;
  if (atLeast(v, 12)) return OPENSSH_7_4;
  return OPENSSH_5_3;
}
