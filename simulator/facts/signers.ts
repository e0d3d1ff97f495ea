/**
 * Who signs the ITL and the CTL, by release and security mode (the records the files list are the cluster's own:
 * see model.ts). Sources as in units.ts.
 */
import { atLeast, type VersionLike } from './version';

export type SecurityMode = 0 | 1;

export interface SignerRow {
  file: 'ITL' | 'CTL';
  /** Which certificate signs it: the TFTP node's own CallManager (ITL), the publisher's CallManager, or ITLRecovery. */
  signer: 'CallManager' | 'ITLRecovery';
  /** Releases [from, to) the row covers; open ends mean "every release". */
  from?: [number, number];
  until?: [number, number];
  source: string;
}

export const SIGNER_TABLE: readonly SignerRow[] = [
  {
    file: 'ITL',
    signer: 'CallManager',
    until: [12, 0],
    source: 'TN 214231: "8.X–11.5.X: the ITL is signed by the Call Manager Certificate" (ref §6)',
  },
  {
    file: 'ITL',
    signer: 'ITLRecovery',
    from: [12, 0],
    source: 'TN 214231: "12.0+: the ITL is signed by the ITLRecovery Certificate" (ref §6)',
  },
  {
    file: 'CTL',
    signer: 'CallManager',
    until: [12, 0],
    source:
      "TN 118893: the tokenless CTL (10.0+) is signed by the publisher's CCM+TFTP (CallManager) certificate (ref §6, §1.7)",
  },
  {
    file: 'CTL',
    signer: 'ITLRecovery',
    from: [12, 0],
    source: 'TN 214231: "release 12.0+ when in Mixed-Mode the CTL is signed by the ITLRecovery Certificate" (ref §6)',
  },
];

function covers(r: SignerRow, v: VersionLike): boolean {
  return (!r.from || atLeast(v, r.from[0], r.from[1])) && (!r.until || !atLeast(v, r.until[0], r.until[1]));
}

function signerOf(file: 'ITL' | 'CTL', v: VersionLike): 'CallManager' | 'ITLRecovery' {
  const found = SIGNER_TABLE.find((r) => r.file === file && covers(r, v));
  if (!found) throw new Error(`No ${file} signer for ${v.major}.${v.minor} in the simulator's table`);
  return found.signer;
}

/** The certificate that signs the ITL a TFTP server builds at start (before any `utils itl reset localkey`). */
export function itlSigner(v: VersionLike): 'CallManager' | 'ITLRecovery' {
  return signerOf('ITL', v);
}

/**
 * The CTL's signer, or undefined where there is no CTL: a non-secure cluster has none (`show ctl`: "CTL File not
 * found", TN 118893, ref §1.7).
 */
export function ctlSigner(v: VersionLike, mode: SecurityMode): 'CallManager' | 'ITLRecovery' | undefined {
  return mode === 1 ? signerOf('CTL', v) : undefined;
}
