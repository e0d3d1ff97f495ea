/**
 * The certificate-management REST API (CUCM 14+) as public clients call it. Each row cites its public source or says
 * `guess`; where the evidence names one spelling and the product once sent another, the simulator accepts both and
 * this table says which one is confirmed.
 */

export interface CertMgrFact {
  fact: string;
  /** `confirmed` by a public source, or a `guess` the simulator also accepts. */
  status: 'confirmed' | 'guess';
  source: string;
}

const NETSSL =
  'ref §7: sieteunoseis/netSSL backend/src/certificate-renewal.ts, https://github.com/sieteunoseis/netSSL (a public client that renews CUCM tomcat certificates through this API)';

export const CERTMGR_FACTS = {
  /** POST trust/certificates names the unit whose trust store takes the certificates. */
  trustServiceUnit: {
    fact: 'trust upload body {"service":["tomcat"],"certificates":[…],"description":…}: the unit name',
    status: 'confirmed',
    source: `${NETSSL}: service ['tomcat'] for the tomcat-trust store; sieteunoseis/cisco-uc-get-cert (the same spelling)`,
  },
  trustServiceStore: {
    fact: 'trust upload naming the store ("tomcat-trust"), as the product once sent it',
    status: 'guess',
    source: 'guess: no public client sends it; accepted so that both spellings work',
  },
  /** The port public clients call the API on. */
  port443: {
    fact: 'the API is called on https port 443 (Tomcat serves 443 and 8443)',
    status: 'confirmed',
    source: `${NETSSL}: port 443 for the trust upload and the CSR`,
  },
  /** The -ECDSA units take EC keys only. */
  ecdsaKey: {
    fact: 'a CSR for tomcat-ECDSA or CallManager-ECDSA has an EC key: OS Administration offers only EC key types for them',
    status: 'confirmed',
    source:
      'TN 214231: "the certificate manager supports both generation of self-signed ECDSA certificates and the ECDSA certificate signing request (CSR)" (an ECDSA certificate signs with an elliptic-curve key, so its CSR carries one); Administration Guide for Cisco Unified Communications Manager 14SU2, certificate management chapter (https://www.cisco.com/c/en/us/td/docs/voice_ip_comm/cucm/admin/14SU2/adminGd/cucm_b_administration-guide-14su2.html): the Generate CSR page\'s Key Type for the ECDSA purposes',
  },
  ecdsaKeySpelling: {
    fact: 'the REST spelling of that key: keyType "ec", keyLength 256 (P-256)',
    status: 'guess',
    source: 'guess: no public client asks the REST API for an EC key; the GUI offers EC key lengths 256, 384, 521',
  },
} as const satisfies Record<string, CertMgrFact>;
