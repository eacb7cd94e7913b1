// Regenerates docs/images/live-page.png, the README's picture of the live page: runs
// `lyap demo` (its defaults, fewer steps) on a free port, lets Debian's Chromium (through
// playwright-core) watch it for a while, and takes the screenshot.
// Usage: npm run screenshot [-- --steps 300 --at 0.7 --out docs/images/live-page.png]
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { CHROMIUM, openChromium } from './chromium.js';

const { values } = parseArgs({
  options: {
    steps: { type: 'string', default: '300' },
    at: { type: 'string', default: '0.8' },
    out: { type: 'string', default: 'docs/images/live-page.png' },
  },
});
const steps = Number(values.steps);
const at = Number(values.at);
if (!Number.isInteger(steps) || steps < 10 || !(at > 0 && at <= 1)) {
  console.error('screenshot: --steps must be an integer >= 10 and --at a fraction in (0, 1]');
  process.exit(2);
}
if (!existsSync(CHROMIUM)) {
  console.error(`screenshot: ${CHROMIUM} is missing: apt-get install chromium (or set LYAP_CHROMIUM)`);
  process.exit(1);
}

const outDir = mkdtempSync(join(tmpdir(), 'lyap-screenshot-'));
const demo = spawn(
  process.execPath,
  ['--import', 'tsx', 'src/cli/run.ts', 'demo', '--steps', String(steps), '--port', '0', '--out', outDir],
  { stdio: ['ignore', 'pipe', 'inherit'] },
);
let output = '';
demo.stdout.setEncoding('utf8').on('data', (s: string) => (output += s));
const exited = new Promise<number | null>((resolve) => demo.on('close', resolve));

const url = await new Promise<string>((resolve, reject) => {
  const timer = setInterval(() => {
    const match = /live page: (http:\/\/\S+?)\/\s/.exec(output);
    if (match?.[1] !== undefined) {
      clearInterval(timer);
      resolve(match[1]);
    }
  }, 100);
  void exited.then(() => {
    clearInterval(timer);
    reject(new Error(`lyap demo exited before serving the live page:\n${output}`));
  });
});

const browser = await openChromium();
try {
  const { page } = browser;
  await page.goto(`${url}/`);
  // Wait until the runs are `at` of the way through (the progress is in the demo's output).
  const target = Math.floor(steps * at);
  const deadline = Date.now() + 600_000;
  for (;;) {
    const done = [...output.matchAll(/step (\d+)\//g)].map((m) => Number(m[1]));
    if (done.some((s) => s >= target) || Date.now() > deadline) break;
    if (demo.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  await page.waitForTimeout(1_000);
  mkdirSync(dirname(values.out), { recursive: true });
  await page.screenshot({ path: values.out, fullPage: true });
  console.log(`wrote ${values.out}`);
} finally {
  await browser.close();
  demo.kill('SIGINT');
  await exited;
  rmSync(outDir, { recursive: true, force: true });
}
