import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { freePort, pollUntil, requireTool, run } from '../../helpers/prometheus.js';

const CONFIG = 'deploy/alertmanager/alertmanager.yml';

describe('deploy/alertmanager', () => {
  it('has a valid configuration (amtool check-config)', async (t) => {
    const amtool = requireTool(t, 'amtool');
    if (amtool === undefined) return;
    const r = await run(amtool, ['check-config', CONFIG]);
    assert.equal(r.code, 0, r.output);
    assert.match(r.output, /SUCCESS/, r.output);
  });

  it('routes by severity: critical, warning and info to their receivers, the rest to the default', async (t) => {
    const amtool = requireTool(t, 'amtool');
    if (amtool === undefined) return;
    const cases = [
      { labels: ['alertname=LyapTrainingDiverged', 'severity=critical', 'run_id=r'], receiver: 'critical' },
      { labels: ['alertname=LyapDeadLetters', 'severity=warning'], receiver: 'warning' },
      { labels: ['alertname=Something', 'severity=info'], receiver: 'blackhole' },
      { labels: ['alertname=Unlabelled'], receiver: 'default' },
    ];
    for (const { labels, receiver } of cases) {
      const r = await run(amtool, ['config', 'routes', 'test', `--config.file=${CONFIG}`, ...labels]);
      assert.equal(r.code, 0, r.output);
      assert.equal(
        r.output.split('\n').find((l) => l.trim() !== '' && !l.startsWith('Warning')),
        receiver,
        r.output,
      );
    }
  });

  it('has an example webhook receiver that logs one line per alert', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, ['deploy/alertmanager/webhook-receiver.mjs'], {
      env: { ...process.env, PORT: String(port), HOST: '127.0.0.1' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
    try {
      await pollUntil('the receiver to listen', () => (out.includes('listening') ? true : undefined));
      const notification = {
        receiver: 'critical',
        status: 'firing',
        alerts: [
          {
            status: 'firing',
            labels: { alertname: 'LyapTrainingDiverged', severity: 'critical', run_id: 'r1' },
            annotations: {
              summary: 'Run r1 diverged',
              runbook_url: 'docs/runbooks/lyap-training-diverged.md',
            },
          },
        ],
      };
      const response = await fetch(`http://127.0.0.1:${port}/critical`, {
        method: 'POST',
        body: JSON.stringify(notification),
      });
      assert.equal(response.status, 200);
      const line = await pollUntil('the logged alert', () =>
        out.split('\n').find((l) => l.startsWith('[critical]')),
      );
      assert.equal(
        line,
        '[critical] firing LyapTrainingDiverged severity=critical run=r1: Run r1 diverged ' +
          '(runbook: docs/runbooks/lyap-training-diverged.md)',
      );
      const bad = await fetch(`http://127.0.0.1:${port}/critical`, { method: 'POST', body: '{' });
      assert.equal(bad.status, 400);
    } finally {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
  });
});
