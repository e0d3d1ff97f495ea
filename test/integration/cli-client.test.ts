/**
 * The SSH CLI client against the simulator over real SSH: prompt, pager, confirmations, typed errors, host-key
 * pinning and authentication.
 */
import assert from 'node:assert/strict';
import { CliError, CliSession, type CliTarget } from '../../activities/cucm/cli';
import { parseCertificateDetails } from '../../activities/cucm/parsers';
import { cliTarget } from '../support/cli';
import { startSimulatedCluster, type SimulatedCluster } from '../support/simulator';

describe('CUCM CLI client over SSH (simulator)', function () {
  this.timeout(30_000);
  let lab: SimulatedCluster;
  let target: CliTarget;

  before(async () => {
    lab = await startSimulatedCluster();
    target = cliTarget(lab.sim, lab.sim.endpoints.clusters[0]!.id);
  });
  after(() => lab.sim.stop());

  it('waits for the banner and the first admin: prompt, and turns pagination off first', async () => {
    const cli = await CliSession.open(target);
    try {
      const output = await cli.run('show version active');
      assert.match(output, /^Active Master Version: 14\.0\.1\.13900-155/);
    } finally {
      cli.close();
    }
    const commands = (await lab.control.events('lab1', { kind: 'cli-command' })).map((e) => e.detail.command);
    assert.deepEqual(commands.slice(-2), ['set cli pagination off', 'show version active']);
  });

  it('pages through output when the pager prompt shows anyway', async () => {
    const cli = await CliSession.open(target);
    try {
      await cli.run('set cli pagination on');
      const output = await cli.run('show cert own tomcat'); // ~30 lines: more than one page
      assert.doesNotMatch(output, /Press <enter>/);
      assert.equal(
        parseCertificateDetails(output).serial.toLowerCase(),
        await lab.control.serial('lab1', 'cucm-pub', 'tomcat'),
      );
    } finally {
      cli.close();
    }
  });

  it('answers no to a confirmation it was not told to give, and changes nothing', async () => {
    const serial = await lab.control.serial('lab1', 'cucm-pub', 'tomcat');
    const cli = await CliSession.open(target);
    try {
      await assert.rejects(
        cli.run('set cert regen tomcat'),
        (err: unknown) => err instanceof CliError && err.kind === 'declined',
      );
    } finally {
      cli.close();
    }
    assert.equal(await lab.control.serial('lab1', 'cucm-pub', 'tomcat'), serial);
  });

  it('turns CUCM error output into a typed error', async () => {
    const cli = await CliSession.open(target);
    try {
      await assert.rejects(
        cli.run('show cert own nosuchunit'),
        (err: unknown) => err instanceof CliError && err.kind === 'unsuccessful' && !err.retryable,
      );
    } finally {
      cli.close();
    }
  });

  it('refuses a node whose host key does not match the pinned one, before sending the password', async () => {
    const before = (await lab.control.events('lab1', { kind: 'ssh-login' })).length;
    await assert.rejects(
      CliSession.open({ ...target, hostKeySha256: 'SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' }),
      (err: unknown) =>
        err instanceof CliError && err.kind === 'host-key-mismatch' && /presented SHA256:/.test(err.message),
    );
    await assert.rejects(
      CliSession.open({ ...target, hostKeySha256: undefined }),
      (err: unknown) => err instanceof CliError && /no SSH host key is pinned/.test(err.message),
    );
    assert.equal((await lab.control.events('lab1', { kind: 'ssh-login' })).length, before);
  });

  it('reports a wrong password as an authentication failure, not retryable', async () => {
    await assert.rejects(
      CliSession.open({ ...target, password: 'wrong' }),
      (err: unknown) => err instanceof CliError && err.kind === 'auth' && !err.retryable,
    );
  });
});
