/**
 * The change report of a real rotation (tomcat, then CallManager) on the simulator, every layer real: fetched as
 * JSON, Markdown and HTML over HTTP, and the HTML rendered in headless Chromium (the one the npm package
 * @sparticuz/chromium ships, test/support/chromium.ts: nothing from the machine), checked for what a reader sees: the headings, the steps table with commands, the serials before and after
 * (against the simulator's own control API), a decision with its approver, the Temporal link. The screenshot is
 * saved to test/artifacts/report.png (git-ignored).
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import type { Report } from '../../api/report';
import { approveSignal } from '../../domain/messages';
import { getJson, postJson, startSystem, type System } from '../support/system';
import { waitFor } from '../support/net';
import { packagedChromium } from '../support/chromium';

const SCREENSHOT = join(__dirname, '..', 'artifacts', 'report.png');

describe('API change report', function () {
  this.timeout(180_000);
  let system: System;
  let id: string;

  before(async () => {
    system = await startSystem('report', [
      {
        id: 'rep',
        version: '14.0.1.13900-155',
        nodes: [
          { name: 'rep-pub', role: 'publisher' },
          { name: 'rep-sub1', role: 'subscriber' },
        ],
        phones: { count: 8, registerDelayMs: [50, 200], seed: 3 },
        risport: { requestsPerMinute: 18, windowMs: 1000 },
        expiredTrustPerStore: 0,
      },
    ]);
    const started = await postJson(`${system.baseUrl}/v1/clusters/rep/regenerations`, {
      units: ['tomcat', 'CallManager'],
    });
    assert.equal(started.status, 202, JSON.stringify(started.json));
    id = started.json.id as string;
    const doc = async () => (await getJson(`${system.baseUrl}/v1/regenerations/${id}`)).json;
    const gateOf = (unit: string) =>
      waitFor(`${unit}'s before-start gate`, async () => {
        const d = await doc();
        const gates = d.pendingGates as Array<{ id: string }>;
        return d.currentUnit === unit && gates.length ? gates[0]?.id : undefined;
      });
    // tomcat over the API (the caller's identity: anonymous with auth off); CallManager as the Temporal UI does it.
    const tomcatGate = await gateOf('tomcat');
    const approved = await postJson(
      `${system.baseUrl}/v1/regenerations/${id}/gates/${encodeURIComponent(tomcatGate ?? '')}`,
      { decision: 'approve', comment: 'CHG0042 <approved in CAB>' },
    );
    assert.equal(approved.status, 200);
    const cmGate = await gateOf('CallManager');
    await system.env.client.workflow
      .getHandle(id)
      .signal(approveSignal, { gateId: cmGate, approver: 'alice', comment: 'CHG0042 phones OK' });
    const done = await waitFor(
      'the rotation to end',
      async () => {
        const d = await doc();
        return ['completed', 'failed', 'aborted'].includes(d.status as string) ? d : undefined;
      },
      150_000,
    );
    assert.equal(done.status, 'completed', String(done.error));
  });
  after(() => system?.stop());

  const fetchReport = async (query: string, accept?: string) => {
    const res = await fetch(`${system.baseUrl}/v1/regenerations/${id}/report${query}`, {
      headers: accept ? { accept } : {},
    });
    return { status: res.status, type: res.headers.get('content-type') ?? '', body: await res.text() };
  };

  it('answers JSON, Markdown and HTML that agree with each other and with the simulator', async () => {
    const json = await fetchReport('', 'application/json');
    assert.equal(json.status, 200);
    assert.match(json.type, /^application\/json/);
    const report = JSON.parse(json.body) as Report;
    assert.deepEqual(
      report.units.map((u) => [u.unit, u.status]),
      [
        ['tomcat', 'completed'],
        ['CallManager', 'completed'],
      ],
    );
    // The serials after are what the simulator holds now; every one has its SHA-256 fingerprints.
    for (const c of report.certificates) {
      const held = (await system.lab.control.node('rep', c.nodeId)).certificates[c.unit];
      assert.equal(held?.serial, c.serialAfter, `${c.unit} on ${c.nodeId}`);
      assert.equal(held?.sha256, c.sha256After, `${c.unit} on ${c.nodeId}: fingerprint`);
      assert.notEqual(c.serialBefore, c.serialAfter);
      assert.match(c.sha256Before ?? '', /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
      assert.match(c.sha256After ?? '', /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    }
    assert.deepEqual([...new Set(report.certificates.map((c) => `${c.unit}:${c.nodeId}`))].sort(), [
      'CallManager:rep-pub',
      'CallManager:rep-sub1',
      'tomcat:rep-pub',
      'tomcat:rep-sub1',
    ]);
    const regen = report.steps.filter((s) => s.kind === 'regenerate');
    assert.ok(
      regen.every(
        (s) =>
          s.sent.recorded &&
          s.sent.requests.some((q) => q.via === 'ssh' && q.request === `set cert regen ${s.unit}`) &&
          s.startedAt &&
          s.finishedAt,
      ),
      'each regeneration step lists the set cert regen it sent',
    );
    // The simulator saw those commands.
    const events = await system.lab.control.events('rep', { kind: 'cert-regenerated' });
    assert.equal(events.length, regen.length);
    // And every command the report lists, the rotation's own discovery and reads included, is one the simulator
    // logged on that node, as many times: nothing left out, nothing invented.
    const commands = await system.lab.control.events('rep', { kind: 'cli-command' });
    for (const node of ['rep-pub', 'rep-sub1']) {
      const tally = (pairs: Array<[string, number]>) =>
        Object.fromEntries(
          [...pairs.reduce((m, [k, n]) => m.set(k, (m.get(k) ?? 0) + n), new Map<string, number>())].sort(([a], [b]) =>
            a.localeCompare(b),
          ),
        );
      assert.deepEqual(
        tally(
          report.steps.flatMap((s) =>
            s.sent.requests
              .filter((q) => q.via === 'ssh' && q.target === node)
              .map((q): [string, number] => [q.request, q.count]),
          ),
        ),
        tally(commands.filter((e) => e.node === node).map((e): [string, number] => [e.detail.command ?? '?', 1])),
        `the report's CLI commands for ${node} (left) differ from the simulator's log (right)`,
      );
    }
    assert.deepEqual(
      report.steps.map((s) => s.unit).filter((u, i, all) => u !== all[i - 1]),
      ['rotation', 'tomcat', 'rotation', 'CallManager'],
      "the rotation's discovery first, its read of what tomcat changed between the units",
    );
    assert.deepEqual(
      report.decisions.map((d) => [d.unit, d.decision, d.by]),
      [
        ['tomcat', 'approve', 'anonymous'],
        ['CallManager', 'approve', 'alice'],
      ],
    );
    const phones = report.phones.find((p) => p.unit === 'CallManager');
    assert.equal(phones?.before?.registered, 8);
    assert.equal(phones?.after?.registered, 8);
    assert.ok((phones?.byNode.length ?? 0) >= 1);
    assert.equal(report.run.temporalUrl, `http://127.0.0.1:8233/namespaces/default/workflows/${id}`);

    const md = await fetchReport('?format=md');
    assert.match(md.type, /^text\/markdown/);
    const curl = await fetchReport('', '*/*');
    assert.match(curl.type, /^text\/markdown/, 'curl gets Markdown');
    const html = await fetchReport('', 'text/html,application/xhtml+xml;q=0.9,*/*;q=0.8');
    assert.match(html.type, /^text\/html/);
    for (const c of report.certificates)
      for (const v of [c.serialBefore, c.serialAfter, c.sha256After ?? '']) {
        assert.ok(md.body.includes(v), `${v} in the Markdown`);
        assert.ok(html.body.includes(v), `${v} in the HTML`);
      }
    assert.ok(html.body.includes('CHG0042 &lt;approved in CAB&gt;'), 'the comment escaped');
    // Kept beside the screenshot for a look (git-ignored).
    mkdirSync(join(__dirname, '..', 'artifacts'), { recursive: true });
    writeFileSync(join(__dirname, '..', 'artifacts', 'report.html'), html.body);
    writeFileSync(join(__dirname, '..', 'artifacts', 'report.md'), md.body);
    writeFileSync(join(__dirname, '..', 'artifacts', 'report.json'), json.body);
    assert.equal((await fetchReport('?format=pdf')).status, 400);
    assert.equal((await fetchReport('', 'image/png')).status, 406);
    assert.equal((await fetchReport('')).status, 200);
    assert.equal((await fetch(`${system.baseUrl}/v1/regenerations/regen-nope/report`)).status, 404);
  });

  it('renders in headless Chromium as a reader sees it, and prints', async function () {
    const browser = packagedChromium();
    const profile = mkdtempSync(join(tmpdir(), 'report-chromium-'));
    let context: BrowserContext | undefined;
    try {
      // A fresh profile (the --user-data-dir Playwright passes for a persistent context), nothing from the network.
      context = await chromium.launchPersistentContext(profile, {
        executablePath: browser.executablePath,
        env: { ...process.env, ...browser.env },
        headless: true,
        viewport: { width: 1280, height: 900 },
        args: [
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          '--disable-quic',
          '--no-first-run',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
        ],
      });
      const page = context.pages()[0] ?? (await context.newPage());
      const requests: string[] = [];
      page.on('request', (r) => requests.push(r.url()));
      const url = `${system.baseUrl}/v1/regenerations/${id}/report?format=html`;
      const response = await page.goto(url);
      assert.equal(response?.status(), 200);
      assert.deepEqual(requests, [url], 'self-contained: the page loads nothing else');
      const h2 = await page.locator('h2').allInnerTexts();
      for (const heading of [
        'Units',
        'Plan',
        'Steps',
        'Certificates before and after',
        'Decisions',
        'Phone registration',
        'Manual actions',
      ])
        assert.ok(h2.includes(heading), `heading ${heading} in ${h2.join(', ')}`);
      assert.match(await page.locator('h1').innerText(), /tomcat, CallManager on rep/);
      // The steps table: a row per step, with its command.
      const stepRows = await page.locator('table.steps tbody tr').allInnerTexts();
      assert.ok(stepRows.some((r) => r.includes('set cert regen tomcat') && r.includes('rep-pub')));
      assert.ok(stepRows.some((r) => /utils service restart Cisco Tomcat/.test(r)));
      const report = JSON.parse((await fetchReport('?format=json')).body) as Report;
      const certRows = await page.locator('table.certificates tbody tr').allInnerTexts();
      for (const c of report.certificates)
        assert.ok(
          certRows.some((r) => r.includes(c.nodeId) && r.includes(c.serialBefore) && r.includes(c.serialAfter)),
          `${c.unit} on ${c.nodeId}: ${c.serialBefore} → ${c.serialAfter} visible`,
        );
      const decisionRows = await page.locator('table.decisions tbody tr').allInnerTexts();
      assert.ok(decisionRows.some((r) => r.includes('alice') && r.includes('CHG0042 phones OK')));
      assert.ok(
        decisionRows.some((r) => r.includes('CHG0042 <approved in CAB>')),
        'the comment reads as typed',
      );
      const temporal = page.locator(`a[href="http://127.0.0.1:8233/namespaces/default/workflows/${id}"]`);
      assert.equal(await temporal.count(), 1, 'the Temporal UI link');
      mkdirSync(join(__dirname, '..', 'artifacts'), { recursive: true });
      await page.screenshot({ path: SCREENSHOT, fullPage: true });
      // Printing: the print stylesheet applies and Chromium makes a PDF of it.
      await page.emulateMedia({ media: 'print' });
      const pdf = await page.pdf({ format: 'A4', landscape: true, printBackground: true });
      assert.ok(pdf.subarray(0, 5).toString() === '%PDF-' && pdf.length > 10_000);
    } finally {
      await context?.close();
      rmSync(profile, { recursive: true, force: true });
    }
  });
});
