/**
 * Every parser of CLI output, on the public transcripts quoted in docs/reference/cucm-interfaces.md (copied verbatim
 * into test/fixtures/cucm-transcripts.ts, each citing its section and source): the product reads what real CUCM
 * prints, not only what the simulator prints.
 */
import assert from 'node:assert/strict';
import {
  ctlFileUpdated,
  lastReportedState,
  parseActiveVersion,
  parseCertificateDetails,
  parseCertificateList,
  parseNetworkCluster,
  parseReplicationState,
  parseServiceList,
  parseSqlTable,
  parseTrustFile,
} from '../../activities/cucm/parsers';
import { endsAtPrompt } from '../../activities/cucm/cli';
import * as T from '../fixtures/cucm-transcripts';

describe('CLI parsers on the public transcripts', () => {
  it('show ctl (§1.7, TN-118893): the record read as one record, the etoken line marking the signer', () => {
    // Cisco's header lines as the reference quotes them from the same transcript, then its first record verbatim.
    const out = [
      'Length of CTL file: 4947',
      'The CTL File was last modified on Fri Mar 06 19:45:13 CET 2015',
      'Parse CTL File',
      'Version: 1.2',
      'HeaderLength: 336 (BYTES)',
      T.ctlRecord,
    ].join('\n');
    const ctl = parseTrustFile(out);
    assert.ok(ctl);
    assert.equal(ctl.kind, 'CTL');
    assert.equal(ctl.length, 4947);
    assert.equal(ctl.lastModified, 'Fri Mar 06 19:45:13 CET 2015');
    assert.equal(ctl.verified, true);
    assert.deepEqual(ctl.records, [
      {
        index: 1,
        dnsName: 'cucm-1051-a-pub',
        subject: 'CN=cucm-1051-a-pub;OU=TAC;O=Cisco;L=Krakow;ST=Malopolska;C=PL',
        function: 'System Administrator Security Token',
        issuer: 'CN=cucm-1051-a-pub;OU=TAC;O=Cisco;L=Krakow;ST=Malopolska;C=PL',
        serial: '70CAF64E090751B9DF22F49F754FC5BB',
        signsFile: true,
      },
    ]);
    assert.equal(ctl.signerSerial, '70CAF64E090751B9DF22F49F754FC5BB', 'the etoken record signs the file');
    assert.deepEqual(ctl.serials, ['70CAF64E090751B9DF22F49F754FC5BB']);
  });

  it('show ctl before there is a CTL (§1.7, TN-118893): no file', () => {
    assert.equal(parseTrustFile(T.ctlMissing), undefined);
  });

  it("the header's signer TLVs (§1.7): the signer from SIGNERNAME, its SERIALNUMBER never counted as a record's", () => {
    const listing = parseTrustFile(T.signerHeader);
    assert.ok(listing);
    assert.deepEqual(listing.signer, {
      name: 'CN=ITLRECOVERY_cucm-pub;OU=TAC;O=Cisco;L=RTP;ST=NC;C=US',
      // The reference shortens the value (`55:AE:1B:...`): not a serial one could compare.
      serial: undefined,
      caName: 'CN=ITLRECOVERY_cucm-pub;OU=TAC;O=Cisco;L=RTP;ST=NC;C=US',
    });
    assert.equal(listing.kind, 'ITL');
    assert.deepEqual(
      listing.records.map((r) => r.index),
      [1],
    );
    assert.deepEqual(listing.serials, [], "the header's SERIALNUMBER is the signer's, not a record's");
  });

  it('utils ctl update CTLFile (§1.7, TN-118893) confirms the update', () => {
    assert.equal(ctlFileUpdated(T.ctlUpdate), true);
    assert.equal(ctlFileUpdated(T.ctlMissing), false);
  });

  it('utils service list (§1.6, Cisco VVB guide): every service line, none of the chatter', () => {
    const services = parseServiceList(T.serviceListVvb);
    assert.equal(services.length, 11);
    assert.ok(services.every((s) => s.state === 'STARTED' && s.reason === undefined));
    assert.deepEqual(services.slice(0, 2), [
      { name: 'Cisco AMC Service', state: 'STARTED', reason: undefined },
      { name: 'Cisco Audit Event Service', state: 'STARTED', reason: undefined },
    ]);
    assert.ok(services.some((s) => s.name === 'Cisco Tomcat'));
    assert.ok(services.some((s) => s.name === 'Platform Communication Web Service'));
    assert.ok(!services.some((s) => /Return code|Service Manager|\.\.\./.test(s.name)));
  });

  it('utils service restart (§1.6, IM&P transcript): the last state reported is STARTED', () => {
    assert.equal(lastReportedState(T.restart, 'Cisco XCP Text Conference Manager'), 'STARTED');
  });

  it('show version active in both public layouts (§1.1 real 11.5 session, §1.9 release notes)', () => {
    assert.equal(parseActiveVersion(T.login115), '11.5.1.12900-21');
    assert.equal(parseActiveVersion(T.version85), '8.5.1.10000-26');
  });

  it('show network cluster (§1.11, both Cisco examples)', () => {
    assert.deepEqual(parseNetworkCluster(T.cluster1), [
      {
        ip: '10.77.29.191',
        fqdn: 'cer-191-p123.cisco.com',
        host: 'cer-191-p123',
        role: 'publisher',
        product: 'callmanager',
      },
      { ip: '10.77.29.192', fqdn: 'cer186-sub.cisco.com', host: 'cer186-sub', role: 'subscriber', product: 'ciscoer' },
    ]);
    assert.deepEqual(
      parseNetworkCluster(T.cluster2).map((n) => [n.host, n.role, n.product]),
      [
        ['IMPPUB', 'subscriber', 'cups'],
        ['IMPSUB', 'subscriber', 'cups'],
        ['CUCMSUB', 'subscriber', 'callmanager'],
        ['CUCMPUB', 'publisher', 'callmanager'],
      ],
    );
  });

  it("show network cluster on a publisher (TN 215013, a CUCM 15 fixture): the processnode section's names are not nodes", () => {
    assert.deepEqual(
      parseNetworkCluster(T.clusterProcessNode105).map((n) => [n.ip, n.host, n.role]),
      [
        ['10.1.89.30', 'CUCMv10SUB', 'subscriber'],
        ['10.1.89.20', 'CUCM10', 'publisher'],
      ],
    );
    assert.deepEqual(
      parseNetworkCluster(T.clusterProcessNode15).map((n) => [n.ip, n.fqdn, n.role]),
      [['192.168.125.10', 'cucm15-cluster1.calltelemetry.local', 'publisher']],
    );
  });

  it('utils dbreplication runtimestate (§1.10, Cisco PCD guide): one row per server', () => {
    assert.deepEqual(parseReplicationState(T.replication), [
      { server: 'cucm-57', ip: '10.77.32.57', queue: 0, state: 2, detail: 'Setup Completed' },
      { server: 'cucm-55', ip: '10.77.32.55', queue: 0, state: 2, detail: 'Setup Completed' },
    ]);
  });

  it('run sql (§1.7, TN-118893 and the community document)', () => {
    assert.deepEqual(parseSqlTable(T.sqlMode), [{ paramname: 'ClusterSecurityMode', paramvalue: '0' }]);
    assert.deepEqual(parseSqlTable(T.sqlRollback), [{ paramname: 'RollBackToPreGrayback', paramvalue: 'F' }]);
  });

  it('show cert own (§1.4): the public fragment has no serial and no PEM, and is refused rather than guessed', () => {
    assert.throws(() => parseCertificateDetails(T.certOwn91), /No "Serial Number:" line and no PEM/);
  });

  it('show cert list own|trust (§1.3): no verbatim transcript is public; the file names of the public parse', () => {
    // Gaps 3: only `<unit>/<file>.pem: <description>` as public parsers read it, with the names and the two
    // descriptions of reference 1.3.
    const out = [
      'tomcat/tomcat.pem: Self-signed certificate generated by system',
      'ITLRecovery/ITLRecovery.pem: Self-signed certificate generated by system',
      'CallManager-trust/Cisco_Root_CA_2099_019a335878ce16c1c1.pem: Certificate Signed by Cisco Root CA 2099',
      'tomcat-trust/cucm14-pub.collabiz.ext_791a41de2f3d66a9a4a560204d2feb5a.pem: Self-signed certificate generated by system',
    ].join('\n');
    assert.deepEqual(
      parseCertificateList(out).map((e) => [e.unit, e.file]),
      [
        ['tomcat', 'tomcat.pem'],
        ['ITLRecovery', 'ITLRecovery.pem'],
        ['CallManager-trust', 'Cisco_Root_CA_2099_019a335878ce16c1c1.pem'],
        ['tomcat-trust', 'cucm14-pub.collabiz.ext_791a41de2f3d66a9a4a560204d2feb5a.pem'],
      ],
    );
  });

  it('the prompt (§1.2): public transcripts end at `admin:` with no trailing space, and the client stops there', () => {
    // Transcripts that end at the next prompt, as a real node left the buffer.
    for (const [name, text] of [
      ['show version active (8.5)', T.version85],
      ['show ctl with no CTL (TN-118893)', T.ctlMissing],
    ] as const) {
      assert.match(text, /\nadmin:$/, `${name}: the transcript ends at "admin:" with nothing after it`);
      assert.equal(endsAtPrompt(text), true, `${name}: the client sees the prompt`);
      assert.equal(endsAtPrompt(text.replace(/\n/g, '\r\n')), true, `${name}: with CR LF line ends`);
    }
    // Typed input echoes right after the prompt (`admin:show version active`): not the end of a command.
    assert.equal(endsAtPrompt(T.version85.split('\n')[0]!), false, 'a command line that echoes after the prompt');
    // The ANSI erase-line before the prompt (unicon's VOS pattern) and a tolerated trailing space.
    assert.equal(endsAtPrompt('Successful\r\n\x1b[Kadmin:'), true);
    assert.equal(endsAtPrompt('Successful\r\nadmin: '), true);
    assert.equal(endsAtPrompt('Description: admin: account'), false, '"admin:" inside a line of output');
  });
});
