/**
 * The ITL/CTL check on listings in the real layout (docs/reference/cucm-interfaces.md §1.7-1.8): the header's signer
 * TLVs, then the records, the etoken line under the signer's own record. Reproduces issue 10: the header's
 * SERIALNUMBER used to shift every record by one, so a CAPF rotation on 14.0 in mixed mode failed its verification
 * with the previous record's serial; and a check that found no signer passed having checked nothing.
 */
import assert from 'node:assert/strict';
import { parseTrustFile } from '../../activities/cucm/parsers';
import { checkTrustFile } from '../../activities/trust-file-check';
import * as T from '../fixtures/cucm-transcripts';

const ITLRECOVERY = '55AE1B0C9D8E7F601122334455667788';
const CCM = '70CAF64E090751B9DF22F49F754FC5BB';
const CAPF_OLD = '6A11D2C3B4A5968778695A4B3C2D1E0F';
const CAPF_NEW = '1F2E3D4C5B6A79880796A5B4C3D2E1F0';
const TVS = '4B5C6D7E8F90A1B2C3D4E5F607182930';

const colons = (hex: string) => hex.match(/.{2}/g)?.join(':') ?? hex;

/** One record in the line layout of the reference's header example (TN-118893's tags, in its order). */
function recordBlock(kind: 'ITL' | 'CTL', n: number, fn: string, cn: string, serial: string, signs = false): string {
  const name = `CN=${cn};OU=TAC;O=Cisco;L=RTP;ST=NC;C=US`;
  const lines = [
    `${kind} Record #:${n}`,
    '----',
    'BYTEPOS TAG                 LENGTH  VALUE',
    '------- ---                 ------  -----',
    '1       RECORDLENGTH        2       1156',
    `2       DNSNAME             8       cucm-pub`,
    `3       SUBJECTNAME         ${name.length + 1}      ${name}`,
    `4       FUNCTION            2       ${fn}`,
    `5       ISSUERNAME          ${name.length + 1}      ${name}`,
    `6       SERIALNUMBER        16      ${colons(serial)}`,
    '7       PUBLICKEY           270',
    '8       SIGNATURE           256',
    '9       CERTIFICATE         955     E9 D4 33 64 5B C8 8C ED 51 4D 8F E5 EA 5B 6D 21 A5 A3 8C 9C (SHA1 Hash HEX)',
    '10      IPADDRESS           4',
  ];
  if (signs) lines.push(`This etoken was used to sign the ${kind} file.`);
  return [...lines, ''].join('\n');
}

/**
 * A 14.0 ITL or CTL: the reference's signer header (its shortened SERIALNUMBER completed, CTL header lines of
 * TN-118893), signed by ITLRecovery, with CCM+TFTP, CAPF (and in the ITL, TVS) records.
 */
function listing14(kind: 'ITL' | 'CTL', capfSerial: string, options: { withSigner?: boolean } = {}): string {
  // The reference's header block, up to where record 1 begins.
  const header = (T.signerHeader.split('\nITL Record #:1')[0] ?? '')
    .trimEnd()
    .replace('55:AE:1B:...', colons(ITLRECOVERY));
  const withSigner = options.withSigner ?? true;
  return [
    `The checksum value of the ${kind} file: 0c05655de63fe2a9e2d0d5a5e4bb9e7d(MD5) a3b5e4c6d7e8f90a1b2c3d4e5f60718293a4b5c6(SHA1)`,
    `Length of ${kind} file: 4947`,
    `The ${kind} File was last modified on Fri Mar 06 19:45:13 CET 2015`,
    '',
    `Parse ${kind} File`,
    '',
    withSigner ? header : 'Version: 1.2\nHeaderLength: 324 (BYTES)',
    '',
    recordBlock(kind, 1, 'System Administrator Security Token', 'ITLRECOVERY_cucm-pub', ITLRECOVERY, withSigner),
    recordBlock(kind, 2, 'CCM+TFTP', 'cucm-pub.example.com', CCM),
    recordBlock(kind, 3, 'CAPF', 'CAPF-36205338', capfSerial),
    ...(kind === 'ITL' ? [recordBlock(kind, 4, 'TVS', 'cucm-pub.example.com', TVS)] : []),
    `The ${kind} file was verified successfully.`,
  ].join('\n');
}

const check = (
  file: 'ITL' | 'CTL',
  unit: 'CAPF' | 'CallManager' | 'TVS' | 'ITLRecovery',
  output: string,
  newSerials: string[],
  signerUnit: 'CallManager' | 'ITLRecovery' = 'ITLRecovery',
) => checkTrustFile({ file, nodeId: 'cucm-pub', unit, listing: parseTrustFile(output), newSerials, signerUnit });

describe('ITL/CTL check on the real layout', () => {
  it('reads every record as a record: the header serial is the signer, not the first record', () => {
    const itl = parseTrustFile(listing14('ITL', CAPF_NEW));
    assert.ok(itl);
    assert.equal(itl.signer?.serial, ITLRECOVERY);
    assert.equal(itl.signer?.name, 'CN=ITLRECOVERY_cucm-pub;OU=TAC;O=Cisco;L=RTP;ST=NC;C=US');
    assert.deepEqual(
      itl.records.map((r) => [r.index, r.function, r.serial, r.signsFile]),
      [
        [1, 'System Administrator Security Token', ITLRECOVERY, true],
        [2, 'CCM+TFTP', CCM, false],
        [3, 'CAPF', CAPF_NEW, false],
        [4, 'TVS', TVS, false],
      ],
    );
    assert.equal(itl.md5, '0c05655de63fe2a9e2d0d5a5e4bb9e7d');
    assert.equal(itl.sha1, 'a3b5e4c6d7e8f90a1b2c3d4e5f60718293a4b5c6');
  });

  it('issue 10: a CAPF rotation on 14.0 in mixed mode verifies against both files', () => {
    for (const file of ['ITL', 'CTL'] as const) {
      const result = check(file, 'CAPF', listing14(file, CAPF_NEW), [CAPF_NEW]);
      assert.deepEqual(result.problems, [], file);
      assert.deepEqual(result.checked, [`${file} lists the new CAPF (1 record: ${CAPF_NEW})`]);
    }
  });

  it('a file that still lists the old CAPF fails, naming its serial (not a neighbour record)', () => {
    const result = check('ITL', 'CAPF', listing14('ITL', CAPF_OLD), [CAPF_NEW]);
    assert.deepEqual(result.problems, [`the ITL on cucm-pub still lists CAPF serial ${CAPF_OLD} (restart Cisco Tftp)`]);
  });

  it('ITLRecovery from 12.0 is checked as the signer: the header and the etoken record', () => {
    assert.deepEqual(check('CTL', 'ITLRecovery', listing14('CTL', CAPF_NEW), [ITLRECOVERY]).problems, []);
    const stale = check('CTL', 'ITLRecovery', listing14('CTL', CAPF_NEW), ['0A0B0C']);
    assert.match(stale.problems[0] ?? '', /is signed by ITLRecovery serial 55AE1B.*, not the new one/);
  });

  it('a verification with nothing to check fails: no signer, no file, no record, no record of the unit', () => {
    // The same file without the header's signer TLVs and without the etoken line.
    const unsigned = check('ITL', 'ITLRecovery', listing14('ITL', CAPF_NEW, { withSigner: false }), [ITLRECOVERY]);
    assert.deepEqual(unsigned.problems, [
      'the ITL on cucm-pub: no signer found (no SERIALNUMBER in its header, no etoken record), so not verified',
    ]);
    assert.deepEqual(check('CTL', 'CAPF', T.ctlMissing, [CAPF_NEW]).problems, [
      'the CTL on cucm-pub was not found: nothing to verify the new CAPF against',
    ]);
    const headerOnly = 'Length of ITL file: 400\nParse ITL File\nVersion: 1.2\nHeaderLength: 324 (BYTES)\n';
    assert.deepEqual(check('ITL', 'CAPF', headerOnly, [CAPF_NEW]).problems, [
      'the ITL on cucm-pub lists no record: nothing to verify the new CAPF against',
    ]);
    // TN-118893's CTL: its one record is the SAST; no CAPF record to compare.
    assert.deepEqual(check('CTL', 'CAPF', T.ctlRecord, [CAPF_NEW], 'CallManager').problems, [
      'the CTL on cucm-pub lists no CAPF record: nothing to verify the new CAPF against',
    ]);
    assert.deepEqual(check('CTL', 'TVS', listing14('CTL', CAPF_NEW), [TVS]).problems, [
      'the CTL on cucm-pub carries no TVS certificate: nothing to verify',
    ]);
  });

  it('before 12.0 CallManager signs: TN-118893 passes the signer check with its own serial, fails with another', () => {
    const signed = check('CTL', 'CallManager', T.ctlRecord, [CCM], 'CallManager');
    assert.deepEqual(signed.checked, [`CTL signed by the new CallManager (${CCM})`]);
    // ... and still fails: the excerpt has no CCM+TFTP record to check.
    assert.deepEqual(signed.problems, [
      'the CTL on cucm-pub lists no CCM+TFTP record: nothing to verify the new CallManager against',
    ]);
    const stale = check('CTL', 'CallManager', T.ctlRecord, ['0102'], 'CallManager');
    assert.match(stale.problems[0] ?? '', new RegExp(`is signed by CallManager serial ${CCM}, not the new one`));
  });

  it('serials compare as hex numbers: separators, case and leading zeros do not matter', () => {
    const result = check('ITL', 'TVS', listing14('ITL', CAPF_NEW), [`00${TVS.toLowerCase()}`]);
    assert.deepEqual(result.problems, []);
  });
});
