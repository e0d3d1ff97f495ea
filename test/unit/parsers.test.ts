import assert from 'node:assert/strict';
import { lastReportedState, parseCertificateDetails, parseServiceList } from '../../activities/cucm/parsers';
import { createSelfSignedCertificate } from '../../simulator/certificates';

describe('CLI output parsers', () => {
  it('reads serial, subject and expiry of `show cert own` from its PEM', async () => {
    const cert = await createSelfSignedCertificate({
      commonName: 'cucm-pub',
      organizationalUnit: 'tomcat',
      validityDays: 1825,
    });
    const output = `[\n  Version: V3\n  Serial Number: 00:11\n  Issuer Name: CN=wrong\n]\n${cert.pem}`;
    const details = parseCertificateDetails(output);
    assert.equal(details.serial, cert.serial);
    assert.match(details.subject ?? '', /CN=cucm-pub/);
    assert.equal(details.validTo, cert.validTo.toISOString());
  });

  it('falls back to the header lines when no PEM is printed', () => {
    const output =
      'SignatureAlgorithm: SHA1withRSA (1.2.840.113549.1.1.5)\nSerial Number: 70:ca:f6:4e\nIssuer Name: CN=CUCMA, OU=cisco\nSubject Name: CN=CUCMA, OU=cisco';
    assert.deepEqual(parseCertificateDetails(output), {
      serial: '70CAF64E',
      issuer: 'CN=CUCMA, OU=cisco',
      subject: 'CN=CUCMA, OU=cisco',
    });
  });

  it('refuses output that has neither a serial nor a PEM', () => {
    assert.throws(() => parseCertificateDetails('Executed command unsuccessfully'), /No "Serial Number:" line/);
  });

  it('parses `utils service list` lines with states and reasons, as on real nodes', () => {
    // Lines from Cisco's VVB guide and TN-214607 (reference section 1.6).
    const output = [
      'Requesting service status, please wait...',
      'Service Manager is running',
      '>> Return code = 0',
      'Cisco Tomcat[STARTED]',
      'System SSH [STARTED]',
      'Cisco DRF Master[STOPPED]  Commanded Out of Service',
      'Cisco HCS Admin UI[ STOPPED ] Component is not running',
      'Primary Node =true',
    ].join('\n');
    assert.deepEqual(parseServiceList(output), [
      { name: 'Cisco Tomcat', state: 'STARTED', reason: undefined },
      { name: 'System SSH', state: 'STARTED', reason: undefined },
      { name: 'Cisco DRF Master', state: 'STOPPED', reason: 'Commanded Out of Service' },
      { name: 'Cisco HCS Admin UI', state: 'STOPPED', reason: 'Component is not running' },
    ]);
  });

  it('finds the last state a restart reported', () => {
    const output = 'Service Manager is running\nCisco Tomcat[STOPPING]\nCisco Tomcat[STARTING]\nCisco Tomcat[STARTED]';
    assert.equal(lastReportedState(output, 'Cisco Tomcat'), 'STARTED');
    assert.equal(lastReportedState('Cisco Tomcat[STOPPING]', 'Cisco Tomcat'), 'STOPPING');
    assert.equal(lastReportedState('', 'Cisco Tomcat'), undefined);
  });
});
