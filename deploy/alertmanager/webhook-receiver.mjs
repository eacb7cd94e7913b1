#!/usr/bin/env node
// An example Alertmanager webhook receiver: logs one line per alert of every notification it
// receives (receiver, status, alert name, severity, run, summary, runbook). Node.js only, no
// dependencies. The docker-compose stack runs it as `alert-webhook` on port 9095; Alertmanager
// posts to http://alert-webhook:9095/<receiver>. Replace it with your pager or chat integration.
//   PORT=9095 HOST=0.0.0.0 node deploy/alertmanager/webhook-receiver.mjs
import { createServer } from 'node:http';

const port = Number(process.env.PORT ?? 9095);
const host = process.env.HOST ?? '0.0.0.0';

function describe(body) {
  const alerts = Array.isArray(body?.alerts) ? body.alerts : [];
  return alerts.map((alert) => {
    const labels = alert.labels ?? {};
    const annotations = alert.annotations ?? {};
    const run = labels.run_id === undefined ? '' : ` run=${labels.run_id}`;
    const runbook = annotations.runbook_url === undefined ? '' : ` (runbook: ${annotations.runbook_url})`;
    return (
      `[${body.receiver ?? '?'}] ${alert.status ?? body.status ?? '?'} ${labels.alertname ?? '?'}` +
      ` severity=${labels.severity ?? '?'}${run}: ${annotations.summary ?? ''}${runbook}`
    );
  });
}

const server = createServer((req, res) => {
  if (req.method !== 'POST') {
    res.writeHead(req.url === '/healthz' ? 200 : 405).end();
    return;
  }
  let raw = '';
  req.setEncoding('utf8');
  req.on('data', (chunk) => (raw += chunk));
  req.on('end', () => {
    try {
      for (const line of describe(JSON.parse(raw))) process.stdout.write(`${line}\n`);
      res.writeHead(200).end();
    } catch (error) {
      process.stdout.write(`bad notification on ${req.url}: ${error.message}\n`);
      res.writeHead(400).end();
    }
  });
});

server.listen(port, host, () => {
  process.stdout.write(`alert webhook receiver listening on ${host}:${server.address().port}\n`);
});

for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.close(() => process.exit(0)));
