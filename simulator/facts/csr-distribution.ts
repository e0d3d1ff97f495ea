/**
 * Multi-server (SAN) CSRs: one CSR for the whole cluster, and one CA-signed certificate that every node then holds.
 * Each row cites its public source or says guess.
 */
import type { CertificateUnit } from './units';

export interface MultiServerRow {
  unit: CertificateUnit;
  /** The nodes whose FQDNs the CSR's SANs list, and which receive the signed certificate. */
  covers: 'every node' | 'CUCM nodes';
  source: string;
}

const TN118731 =
  'Cisco TN 118731 "Unified Communication Cluster Setup with CA-Signed Multi-Server SAN" (https://www.cisco.com/c/en/us/support/docs/unified-communications/unified-communications-manager-callmanager/118731-configure-san-00.html): "In CUCM Version 10.5 and later, this trust-store CSR request can include SAN and alternate domains. Tomcat - CUCM and IM&P; Cisco CallManager - Only CUCM"';

export const MULTI_SERVER_ROWS: readonly MultiServerRow[] = [
  { unit: 'tomcat', covers: 'every node', source: TN118731 },
  {
    unit: 'tomcat-ECDSA',
    covers: 'every node',
    source:
      'guess, by analogy with tomcat: TN 118731 predates ECDSA; Cisco TN 225476 (ref §5.2, §6 "Cert reuse") speaks of "Tomcat and Tomcat ECDSA" multi-SAN certificates from 14.0',
  },
  { unit: 'CallManager', covers: 'CUCM nodes', source: TN118731 },
];

export const MULTI_SERVER_FACTS = {
  /** Where the CSR is made and the certificate uploaded (either works; the tech-note uses the publisher). */
  madeOn: {
    value: 'any node; the tech-note generates it on the publisher',
    source: `${TN118731}, Step 1 "Log into Publisher's OS Administration ... Generate CSR", Step 2 "Select Multi-Server SAN in Distribution. It auto-populates the SAN domain"; Unity Connection 10.5 SAN training slides (https://studylib.net/doc/5812765/ca-technical-support-training-npi-template): "Multi-server CSR can be generated on any server and corresponding Certificate uploaded from any other server in the cluster", "Single Cluster-wide certificate for unit: Tomcat"`,
  },
  /** The one upload installs the certificate on every node it covers. */
  distributedOnUpload: {
    value: true,
    source:
      'Unity Connection 10.5 SAN slides (above): "Supports a single Subject Alternative Name (SAN) certificate per Tomcat certificate across the nodes in a cluster"; that the REST identity upload distributes like the GUI upload is a guess (DevNet certificate-management: the API does "all the certificate related functions that could be done from the OS Administration web page")',
  },
  /** The REST API's spelling of the distribution. */
  restDistributionValue: {
    value: 'multi-server',
    source:
      'guess: public clients send only "this-server" (ref §5.1, POST .../certmgr/config/csr); the GUI\'s drop-down says "Multi-server(SAN)" (ref §5.2; Upgrade Guide 12.5(1) "For Multi-server(SAN) certificates, ensure that SAN entries are present in all the nodes of the cluster", https://www.cisco.com/c/en/us/td/docs/voice_ip_comm/cucm/upgrade/12_5_1/cucm_b_upgrade-migration-guide-125x/cucm_b_upgrade-guide-1251su2_chapter_01001.html)',
  },
  /** The CSR's common name when none is given. */
  defaultCommonName: {
    value: '<publisher FQDN>-ms',
    source: 'guess (the "-ms" suffix as commonly seen on multi-server CSRs; not in the excerpts retrieved)',
  },
  /** What the upload answers for tomcat: restart Tomcat on every node. */
  uploadMessage: {
    value:
      "Success: Certificate Uploaded. Perform a Disaster Recovery backup so the latest backup contains the uploaded certificate. Restart the Cisco Tomcat web service using the CLI 'utils service restart Cisco Tomcat' on all cluster nodes (UCM/IMP).",
    source:
      'Cisco TN 225476 upload success text (ref §5.2), its first three sentences verbatim (the rest names the UDS/AXL Tomcat and DRF restarts of the CallManager reuse case)',
  },
} as const;

export function multiServerRow(unit: CertificateUnit): MultiServerRow | undefined {
  return MULTI_SERVER_ROWS.find((r) => r.unit === unit);
}
