/**
 * Unified Contact Center Express (UCCX) as the simulator shows it: a VOS node (the same platform CLI as CUCM) that
 * trusts the CUCM cluster's tomcat certificates, so that Finesse, the CCX Engine and the notification service can
 * call CUCM over HTTPS. Every row names its public source or says `guess`; docs/uccx.md quotes the sources.
 *
 * Sources:
 * - TN-214231: Cisco, "Certificate Regeneration Process for Cisco Unified Communications Manager",
 *   https://cisco.com/c/en/us/support/docs/unified-communications/unified-communications-manager-callmanager/214231-certificate-regeneration-process-for-cis.html
 *   (tomcat section: after tomcat / tomcat-ECDSA, re-upload the new certificates to UCCX's tomcat-trust; ref §1.2)
 * - TN-118855: Cisco, "UCCX Solution Certificate Management Guide",
 *   https://cisco.com/c/en/us/support/docs/customer-collaboration/unified-contact-center-express/118855-configure-uccx-00.html
 *   ("Components Used": UCCX Web Services, UCCX Notification Service, UCCX Platform Tomcat, Cisco Finesse Tomcat,
 *   CUIC Tomcat, SocialMiner/CCP Tomcat)
 * - CLI-1251SU2-set: Cisco, Command Line Interface Reference Guide for Cisco Unified Communications Solutions 12.5(1)SU2,
 *   `set cert import trust` (ref §1.12): the VOS platform CLI UCCX shares
 * - FINESSE-DEVNET: Cisco DevNet, Finesse "Connect to XMPP over TCP",
 *   https://developer.cisco.com/docs/finesse/connect-to-xmpp-over-tcp ("Finesse Notification Service shares the
 *   same certificate with Cisco Finesse Tomcat"; certificates managed in Cisco Unified OS Administration)
 */

export interface UccxServiceRow {
  name: string;
  /** Reads tomcat-trust when it starts: a certificate imported later is used only after its restart. */
  readsTomcatTrust: boolean;
  source: string;
}

/** The services a UCCX node lists in `utils service list` (the ones the simulator models), all Started. */
export const UCCX_SERVICES: readonly UccxServiceRow[] = [
  {
    name: 'Cisco Tomcat',
    readsTomcatTrust: true,
    source:
      'TN-118855 ("UCCX Platform Tomcat"); the name as on every VOS node (ref §1.6); reads tomcat-trust at start: guess',
  },
  {
    name: 'Cisco Unified CCX Notification Service',
    readsTomcatTrust: true,
    source: 'TN-118855 ("UCCX Notification Service"); the exact service name and that it reads tomcat-trust: guess',
  },
  {
    name: 'Cisco Finesse Tomcat',
    readsTomcatTrust: true,
    source:
      'TN-118855 ("Cisco Finesse Tomcat"), FINESSE-DEVNET; Finesse calls CUCM over HTTPS and reads tomcat-trust at start: guess (from the TN-214231 note that Finesse logins fail without the upload)',
  },
  {
    name: 'Cisco Unified CCX Engine',
    readsTomcatTrust: false,
    source:
      'Cisco Unified CCX Serviceability Administration Guide lists the Engine among CCX services; not restarted here: guess',
  },
];

/** What restarting the services above takes on a real node, in ms: [stopping, starting]. */
export const UCCX_RESTART_MS: Readonly<Record<string, [number, number]>> = {
  'Cisco Tomcat': [4000, 12000],
  'Cisco Unified CCX Notification Service': [2000, 6000],
  'Cisco Finesse Tomcat': [4000, 15000],
};

export const UCCX_RESTART_MS_SOURCE =
  'guess: no public timing of UCCX service restarts (a Tomcat restart takes seconds to minutes on VOS, ref §1.1)';

/** The CLI facts of the trust import on UCCX (the VOS platform CLI). */
export const UCCX_CLI = {
  importTrust: {
    command: 'set cert import trust tomcat',
    prompt: 'Paste the Certificate and Hit Enter',
    success: [
      'Successfully imported certificate for tomcat.',
      'Please restart services related to tomcat for the new certificate to become active.',
    ],
    source:
      'CLI-1251SU2-set and a public automation script (ref §1.12); that UCCX prints the same text: guess (same VOS CLI)',
  },
  /** `show version active` on a UCCX node: the UCCX release, not CUCM's (value: guess). */
  defaultVersion: '12.5.1.11001-348',
  /** `show network cluster` on a single UCCX node (no public UCCX transcript: layout as CUCM's, product uccx: guess). */
  product: 'uccx',
} as const;

export const UCCX_CLI_SOURCE =
  'guess: no public UCCX transcript of show version active or show network cluster (defaultVersion and product)';

/** Units a UCCX node holds in the simulator: tomcat only (its ipsec and ECDSA units are not modelled). */
export const UCCX_OWN_UNITS = ['tomcat'] as const;
export const UCCX_OWN_UNITS_SOURCE =
  "TN-118855 (the UCCX Platform Tomcat certificate); TN-214231: UCCX trusts the cluster's tomcat certificates (ref §1.2)";
