/**
 * Whether an ITL or CTL listing carries a unit's new certificates and none of its old ones. Pure: the activity
 * reads the listing over SSH and passes it here. A check that finds nothing to compare is a problem, never a pass:
 * a missing file, a file without records, no record of the unit, no signer where the unit signs the file.
 */
import type { CertificateUnit } from '../domain/units';
import type { TrustFileListing, TrustFileRecord } from './cucm/parsers';

interface TrustFileCheck {
  checked: string[];
  problems: string[];
}

/** The ITL/CTL record FUNCTION of each unit (reference 1.7: CCM+TFTP, CAPF; TVS in the ITL). */
const FUNCTION_OF: Partial<Record<CertificateUnit, string>> = {
  CallManager: 'CCM+TFTP',
  TVS: 'TVS',
  CAPF: 'CAPF',
};

/** The files that carry each unit: the CTL lists no TVS record (its records are SAST, CCM+TFTP, CAPF, TN-118893). */
export function filesCarrying(unit: CertificateUnit): Array<'ITL' | 'CTL'> {
  if (unit === 'TVS') return ['ITL'];
  if (unit === 'CallManager' || unit === 'CAPF' || unit === 'ITLRecovery') return ['ITL', 'CTL'];
  return [];
}

/** Serials compare as numbers written in hex: no separators, upper case, no leading zeros. */
function normalizeSerial(serial: string): string {
  return serial
    .replace(/[^0-9a-f]/gi, '')
    .toUpperCase()
    .replace(/^0+(?=.)/, '');
}

/** The unit's own records: by FUNCTION, or for ITLRecovery by its name (CN=ITLRECOVERY_<publisher>, reference 1.7). */
function recordsOf(unit: CertificateUnit, records: TrustFileRecord[]): TrustFileRecord[] {
  if (unit === 'ITLRecovery') return records.filter((r) => /(?:^|;)\s*CN=ITLRECOVERY_/i.test(r.subject ?? ''));
  const fn = FUNCTION_OF[unit];
  return fn ? records.filter((r) => r.function === fn) : [];
}

export function checkTrustFile(input: {
  file: 'ITL' | 'CTL';
  nodeId: string;
  unit: CertificateUnit;
  /** parseTrustFile's answer; undefined when the node has no such file. */
  listing: TrustFileListing | undefined;
  newSerials: readonly string[];
  /** Who signs the file on this version (TN-214231: CallManager before 12.0, ITLRecovery from 12.0). */
  signerUnit: 'CallManager' | 'ITLRecovery';
}): TrustFileCheck {
  const { file, nodeId, unit, listing } = input;
  const where = `the ${file} on ${nodeId}`;
  const fresh = new Set(input.newSerials.map(normalizeSerial));
  const isFresh = (serial: string | undefined) => serial !== undefined && fresh.has(normalizeSerial(serial));
  const checked: string[] = [];
  const problems: string[] = [];
  const restart = `restart Cisco Tftp${file === 'CTL' ? ' after utils ctl update CTLFile' : ''}`;
  if (!listing) return { checked, problems: [`${where} was not found: nothing to verify the new ${unit} against`] };
  if (listing.records.length === 0)
    return { checked, problems: [`${where} lists no record: nothing to verify the new ${unit} against`] };
  if (!filesCarrying(unit).includes(file))
    return { checked, problems: [`${where} carries no ${unit} certificate: nothing to verify`] };

  if (input.signerUnit === unit) {
    // The header's signer and the record the etoken line follows: both must be the new certificate.
    const signers = [
      ...new Set(
        [listing.signer?.serial, listing.records.find((r) => r.signsFile)?.serial]
          .filter((s): s is string => s !== undefined)
          .map(normalizeSerial),
      ),
    ];
    if (signers.length === 0)
      problems.push(`${where}: no signer found (no SERIALNUMBER in its header, no etoken record), so not verified`);
    else if (signers.some((s) => !isFresh(s)))
      problems.push(`${where} is signed by ${unit} serial ${signers.join(', ')}, not the new one (${restart})`);
    else checked.push(`${file} signed by the new ${unit} (${signers.join(', ')})`);
  }

  const records = recordsOf(unit, listing.records);
  if (records.length === 0) {
    problems.push(
      `${where} lists no ${unit === 'ITLRecovery' ? 'ITLRECOVERY' : FUNCTION_OF[unit]} record: nothing to verify the new ${unit} against`,
    );
    return { checked, problems };
  }
  const stale = records.filter((r) => !isFresh(r.serial));
  if (stale.length > 0)
    problems.push(
      `${where} still lists ${unit} serial ${stale.map((r) => r.serial ?? `(none in record #${r.index})`).join(', ')} (${restart})`,
    );
  else
    checked.push(
      `${file} lists the new ${unit} (${records.length} record${records.length === 1 ? '' : 's'}: ${records.map((r) => r.serial).join(', ')})`,
    );
  return { checked, problems };
}
