/**
 * How the simulator encodes the ITL and CTL files it serves and lists (`show itl` / `show ctl`, ref §1.7, §1.8): the
 * FUNCTION of each record with the code its 2-byte value carries, and the files' names on TFTP. The listings print
 * only the names, so the codes are guesses; each row says which part is cited and which guessed.
 */

export interface TrustFunctionRow {
  /** As a listing prints it. */
  name: 'System Administrator Security Token' | 'CCM+TFTP' | 'CAPF' | 'TVS';
  /** The number in the record's 2-byte FUNCTION value. */
  code: number;
  source: string;
}

const CODE_GUESS = 'the code: guess (the listings print only the name)';

export const TRUST_FUNCTIONS: readonly TrustFunctionRow[] = [
  {
    name: 'System Administrator Security Token',
    code: 0,
    source: `TN 118893 show ctl, FUNCTION of the first record (ref §1.7); ${CODE_GUESS}`,
  },
  { name: 'CCM+TFTP', code: 1, source: `TN 118893, FUNCTION values of show ctl (ref §1.7); ${CODE_GUESS}` },
  { name: 'CAPF', code: 2, source: `TN 118893, FUNCTION values of show ctl (ref §1.7); ${CODE_GUESS}` },
  {
    name: 'TVS',
    code: 21,
    source: `guess: the ITL lists the TVS certificates (TN 214231, ref §6) but no public listing shows a TVS record's FUNCTION; ${CODE_GUESS}`,
  },
];

/** The files' names on the TFTP server. */
export const TRUST_FILE_NAMES = {
  CTL: { value: 'CTLFile.tlv', source: 'TN 118893: file delete tftp CTLFile.tlv (ref §1.12)' },
  ITL: { value: 'ITLFile.tlv', source: 'guess, by analogy with CTLFile.tlv' },
} as const;

/** The code of a FUNCTION name (99 for a name the table does not know). */
export function trustFunctionCode(name: string): number {
  return TRUST_FUNCTIONS.find((r) => r.name === name)?.code ?? 99;
}
