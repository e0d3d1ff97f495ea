/**
 * The hazards of the procedure, made visible by the simulator: an unsafe order strands phones, the safe order does
 * not. Certificates are regenerated and services restarted over SSH with the product's CLI client; phones are reset
 * in bulk through the model (CUCM's Enterprise Parameters "Reset", a GUI action).
 */
import assert from 'node:assert/strict';
import { startSimulator, type RunningSimulator } from '../../simulator/cluster-runner';
import type { ClusterConfig, SimCluster } from '../../simulator/model';
import { runOn } from '../support/cli';
import { waitFor } from '../support/net';

const TIME_SCALE = 0.005;

function cluster(id: string, version: string, securityMode: 0 | 1 = 0): ClusterConfig {
  return {
    id,
    version,
    securityMode,
    nodes: [
      { name: 'pub', role: 'publisher' },
      { name: 'sub1', role: 'subscriber' },
    ],
    phones: { count: 200, registerDelayMs: [1000, 4000], secureShare: 0.5 },
  };
}

async function resetAllAndSettle(c: SimCluster): Promise<Record<string, number>> {
  for (const phone of c.phones.list) c.phones.reset(phone, 'test');
  // Let every scheduled re-registration run (4 s real, scaled).
  await waitFor(
    'phones settled',
    async () => (c.phones.list.every((p) => !p.pending && !p.dropping) ? true : undefined),
    10_000,
    20,
  );
  return c.phones.counts();
}

async function regenerate(sim: RunningSimulator, id: string, node: string, ...units: string[]): Promise<void> {
  await runOn(sim, id, node, ...units.map((u) => ({ command: `set cert regen ${u}`, confirm: true })));
}

async function restart(sim: RunningSimulator, id: string, services: string[], nodes = ['pub', 'sub1']): Promise<void> {
  for (const node of nodes) await runOn(sim, id, node, ...services.map((s) => `utils service restart ${s}`));
}

describe('simulator hazards: phones only come back when they can trust the new files', function () {
  this.timeout(60_000);
  let sim: RunningSimulator;

  before(async () => {
    sim = await startSimulator(
      [
        cluster('c115-unsafe', '11.5.1.21900-40'),
        cluster('c115-safe', '11.5.1.21900-40'),
        cluster('c125', '12.5.1.16900-48'),
        cluster('mixed14', '14.0.1.13900-155', 1),
        cluster('mixed14-ctl', '14.0.1.13900-155', 1),
      ],
      {
        timeScale: TIME_SCALE,
      },
    );
  });
  after(() => sim?.stop());

  it('11.5: CallManager and TVS regenerated together strand the phones whose ITL the publisher signs', async () => {
    const c = sim.cluster('c115-unsafe');
    assert.equal(c.node('pub').servedItl?.signer.unit, 'CallManager', 'before 12.0 the ITL is signed by CallManager');
    await regenerate(sim, 'c115-unsafe', 'pub', 'CallManager', 'TVS');
    await restart(sim, 'c115-unsafe', ['Cisco CallManager', 'Cisco Trust Verification Service', 'Cisco Tftp']);
    const counts = await resetAllAndSettle(c);
    const stranded = c.phones.list.filter((p) => p.status !== 'Registered');
    assert.ok(stranded.length > 0, 'some phones are stranded');
    assert.ok(
      stranded.every((p) => p.node === 'pub'),
      "only the publisher's phones: sub1's ITL signer did not change",
    );
    assert.match(stranded[0]?.reason ?? '', /ITL file signature not trusted and TVS could not verify it/);
    assert.equal(counts.Registered, 100);
  });

  it('11.5: CallManager first (TVS, TFTP restarted, phones back), then TVS: every phone re-registers', async () => {
    const c = sim.cluster('c115-safe');
    await regenerate(sim, 'c115-safe', 'pub', 'CallManager');
    await restart(sim, 'c115-safe', [
      'Cisco CallManager',
      'Cisco CTIManager',
      'Cisco Trust Verification Service',
      'Cisco Tftp',
    ]);
    assert.deepEqual(await resetAllAndSettle(c), { Registered: 200, UnRegistered: 0, Rejected: 0 });
    await regenerate(sim, 'c115-safe', 'pub', 'TVS');
    await restart(sim, 'c115-safe', ['Cisco Trust Verification Service', 'Cisco Tftp']);
    assert.deepEqual(await resetAllAndSettle(c), { Registered: 200, UnRegistered: 0, Rejected: 0 });
  });

  it('12.5: the ITL is signed by ITLRecovery, so CallManager and TVS together do not strand phones', async () => {
    const c = sim.cluster('c125');
    assert.equal(c.node('pub').servedItl?.signer.unit, 'ITLRecovery');
    await regenerate(sim, 'c125', 'pub', 'CallManager', 'TVS');
    await restart(sim, 'c125', ['Cisco CallManager', 'Cisco Trust Verification Service', 'Cisco Tftp']);
    assert.deepEqual(await resetAllAndSettle(c), { Registered: 200, UnRegistered: 0, Rejected: 0 });
  });

  it('mixed mode: CallManager regenerated without a CTL update leaves the secure phones rejected', async () => {
    const c = sim.cluster('mixed14');
    const secureOnPub = c.phones.list.filter((p) => p.secure && p.node === 'pub').length;
    assert.ok(secureOnPub > 0);
    await regenerate(sim, 'mixed14', 'pub', 'CallManager');
    await restart(sim, 'mixed14', ['Cisco CallManager', 'Cisco Trust Verification Service', 'Cisco Tftp']);
    const counts = await resetAllAndSettle(c);
    assert.equal(counts.Rejected, secureOnPub);
    assert.ok(
      c.phones.list
        .filter((p) => p.status === 'Rejected')
        .every((p) => p.secure && /not in the phone's CTL/.test(p.reason ?? '')),
    );
  });

  it('mixed mode: with utils ctl update CTLFile before the restarts, every phone comes back', async () => {
    const c = sim.cluster('mixed14-ctl');
    await regenerate(sim, 'mixed14-ctl', 'pub', 'CallManager');
    await runOn(sim, 'mixed14-ctl', 'pub', { command: 'utils ctl update CTLFile', confirm: true });
    await restart(sim, 'mixed14-ctl', ['Cisco CallManager', 'Cisco Trust Verification Service', 'Cisco Tftp']);
    assert.deepEqual(await resetAllAndSettle(c), { Registered: 200, UnRegistered: 0, Rejected: 0 });
  });

  it('"bad ITL" phones never come back, whatever the order', async () => {
    const c = sim.cluster('c125');
    c.injectFault({ kind: 'phones-never-return', count: 3 });
    const counts = await resetAllAndSettle(c);
    assert.equal(counts.UnRegistered, 3);
  });
});
