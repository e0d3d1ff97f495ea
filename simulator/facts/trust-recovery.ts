/**
 * The trust-recovery commands as the simulator answers them: `utils itl reset localkey` and `utils ctl reset
 * localkey`. Each row cites its public source (docs/reference/cucm-interfaces.md §1.7, §1.8, §6, Gaps 4) or says guess.
 */
import { atLeast, type VersionLike } from './version';

export interface TrustResetFact {
  command: 'utils itl reset localkey' | 'utils ctl reset localkey';
  fact: string;
  source: string;
}

export const TRUST_RESET_FACTS: readonly TrustResetFact[] = [
  {
    command: 'utils itl reset localkey',
    fact: 'runs on the publisher only; privilege level 4',
    source:
      'CLI reference (Utils): "run on the publisher; privilege 4"; utils itl reset needs level 4 (ref §1.1, §1.8)',
  },
  {
    command: 'utils itl reset localkey',
    fact: 'takes the existing ITL (the records stay) and signs it with another key; TFTP serves it at once',
    source:
      'CLI reference: "Generates a new ITL file by taking the existing ITL file on the publisher ... signs the new ITL file"; Cisco example of utils itl reset: "Transferring new reset ITL file to the TFTP server nodes in the cluster" (ref §1.8)',
  },
  {
    command: 'utils itl reset localkey',
    fact: 'from 12.0 the reset ITL is signed by the publisher CallManager certificate key',
    source: 'CLI reference 12.5: "signs the new ITL file with the CallManager certificate key" (ref §1.8)',
  },
  {
    command: 'utils itl reset localkey',
    fact: 'before 12.0 (ITL normally signed by CallManager) the reset ITL is signed by the ITLRecovery key',
    source:
      'guess: no pre-12 text in the reference; TN 214231 gives ITLRecovery the role "8.X – 11.5 Recovery of phones with mismatched ITL" (ref §6), and a reset signed by the key that just changed could not help',
  },
  {
    command: 'utils itl reset localkey',
    fact: 'a Cisco Tftp restart rebuilds the normal ITL (signed by its usual signer)',
    source:
      'Security Guide: "Restarting the TFTP service causes the ITL File to be signed by the ITLRecovery Key" (ref §1.8); before 12.0 the usual signer is CallManager (TN 214231, ref §6)',
  },
  {
    command: 'utils itl reset localkey',
    fact: "prompt and output: those of Cisco's older `utils itl reset` example (no confirmation prompt)",
    source:
      'guess: only the older utils itl reset example is public (ref §1.8, Gaps 4); the example\'s first line "Name is None" is left out',
  },
  {
    command: 'utils ctl reset localkey',
    fact: 'runs on the publisher only; privilege level 4; mixed mode only',
    source:
      'CLI reference: utils ctl "must be executed on the publisher"; reset localkey needs level 4 (ref §1.1, §1.7); refused outside mixed mode: guess (no CTL to regenerate, as utils ctl update)',
  },
  {
    command: 'utils ctl reset localkey',
    fact: "regenerates the CTL signed by the secondary SAST, the publisher's CallManager certificate",
    source:
      'CLI reference: "regenerate the CTL file and sign it with the secondary SAST role (CallManager) ... when the ITLRecovery certificate that was used to sign the original CTL file has changed and the endpoints are locked out" (ref §1.7)',
  },
  {
    command: 'utils ctl reset localkey',
    fact: 'TFTP serves the reset CTL after its restart; utils ctl update CTLFile afterwards signs it by ITLRecovery again',
    source:
      'TN 118893: "Please Restart the TFTP and Cisco CallManager services" after a CTL change; FN70613: reset localkey, then utils ctl update CTLFile (ref §1.7, §6)',
  },
  {
    command: 'utils ctl reset localkey',
    fact: 'afterwards (and after the utils ctl update CTLFile that follows) Cisco restarts Cisco CallManager and Cisco CTIManager on all nodes, then the endpoints; the CLI message after a CTL change names TFTP and CallManager',
    source:
      'Cisco Field Notice FN70613 "Cisco Unified Communications Manager Secure Endpoints Might Fail to Register After a Refresh Upgrade to Version 12.5" (https://www.cisco.com/c/en/us/support/docs/field-notices/706/fn70613.html), workaround steps 2 and 5: "restart the Cisco CallManager and Cisco CTIManager services on all nodes"; TN 118893: "Please Restart the TFTP and Cisco CallManager services on all nodes in the cluster that run these services" (ref §1.7)',
  },
  {
    command: 'utils ctl reset localkey',
    fact: 'prompt and output: a (y/n) confirmation and a two-line answer, modelled on utils ctl update CTLFile',
    source: "guess: no public transcript (ref Gaps 4); modelled on TN 118893's utils ctl update CTLFile (ref §1.7)",
  },
];

/** Which key signs the reset ITL (see the rows above: 12.0+ cited, before 12.0 a guess). */
export function itlResetSigner(v: VersionLike): 'CallManager' | 'ITLRecovery' {
  return atLeast(v, 12, 0) ? 'CallManager' : 'ITLRecovery';
}
