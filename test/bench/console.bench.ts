// Console benchmark (issue 14, item 8): the built console served by `aerie serve`, in Chromium,
// with 1000 deployments and 100 nodes in its store (the list answers and the event stream are
// routed by Playwright to synthetic rows, so the console's real parsing and store take them).
// Measured in the page with the Performance API, to the next painted frame: the first render of
// the Deployments screen, a sort, a search keystroke and one live update. Each is reported as a
// median against the 100 ms budget (no pass/fail: machines differ). Also the bundle size.
// BENCH_RUNS sets the number of runs; BENCH_CPU_THROTTLE=N slows the page's CPU N times.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { WebSocketRoute } from 'playwright-core';
import { launchChromium } from '../helpers/chromium.js';
import { ensureFreshBuild, REPO_ROOT, startServe } from '../helpers/serve-process.js';
import { syntheticDeployment, syntheticNode } from '../helpers/console-fixtures.js';

const DEPLOYMENTS = 1000;
const NODES = 100;
const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const BUDGET_MS = 100;
/** Chromium's CPU throttling (DevTools' "slowdown"): a rate of 3 runs the page as on a CPU 3× slower. */
const THROTTLE = Number(process.env.BENCH_CPU_THROTTLE ?? 1);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

// In-page helper: resolves with ms from now until `done()` holds and a frame has been painted.
const UNTIL = `window.__until = (start, done) => new Promise((resolve) => {
  const check = () => done() ? requestAnimationFrame(() => resolve(performance.now() - start))
                             : requestAnimationFrame(check);
  check();
});`;

function bundleSize(): { files: number; bytes: number; gzip: number } {
  const dir = join(REPO_ROOT, 'out', 'renderer', 'assets');
  const files = readdirSync(dir).filter((f) => /\.(js|css)$/.test(f));
  let bytes = 0;
  let gzip = 0;
  for (const f of files) {
    bytes += statSync(join(dir, f)).size;
    gzip += gzipSync(readFileSync(join(dir, f))).length;
  }
  return { files: files.length, bytes, gzip };
}

async function main(): Promise<void> {
  await ensureFreshBuild();
  const serve = await startServe();
  const browser = await launchChromium();
  const deployments = Array.from({ length: DEPLOYMENTS }, (_, i) =>
    syntheticDeployment(i + 1, NODES),
  );
  const nodes = Array.from({ length: NODES }, (_, i) => syntheticNode(i + 1));
  const results: Record<string, number[]> = {
    first_render: [],
    sort: [],
    search_keystroke: [],
    live_update: [],
  };
  try {
    for (let run = 0; run < RUNS; run++) {
      const page = await browser.context.newPage();
      await page.setViewportSize({ width: 1440, height: 900 });
      if (THROTTLE > 1) {
        const cdp = await browser.context.newCDPSession(page);
        await cdp.send('Emulation.setCPUThrottlingRate', { rate: THROTTLE });
      }
      // Every socket the page opens (the console's and the first-run panel's): the server
      // broadcasts an event to all of them, and so does the benchmark.
      const sockets: WebSocketRoute[] = [];
      await page.route(/\/api\/deployments$/, (r) => r.fulfill({ json: deployments }));
      await page.route(/\/api\/nodes$/, (r) => r.fulfill({ json: nodes }));
      await page.routeWebSocket(/\/ws/, (ws) => {
        sockets.push(ws);
      });
      await page.addInitScript(UNTIL);
      await page.goto(`${serve.url}/#/settings`);
      await page.locator('[data-testid="stream-indicator"][data-state="live"]').waitFor();
      await page.locator('[data-testid="settings-table"]').waitFor();

      results.first_render?.push(
        await page.evaluate(`(() => {
          const t = performance.now();
          document.querySelector('[data-testid="nav-deployments"]').click();
          return window.__until(t, () => document.querySelector('[data-testid^="deployment-row-"]'));
        })()`),
      );
      results.sort?.push(
        await page.evaluate(`(() => {
          const first = () => document.querySelector('[data-testid^="deployment-row-"]')?.getAttribute('data-testid');
          const before = first();
          const t = performance.now();
          document.querySelector('[data-testid="sort-served_model_name"]').click();
          return window.__until(t, () => first() !== before);
        })()`),
      );
      results.search_keystroke?.push(
        await page.evaluate(`(() => {
          const input = document.querySelector('[data-testid="deployments-search"]');
          const count = () => document.querySelector('[data-testid="deployments-count"]').textContent;
          const before = count();
          const set = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set;
          const t = performance.now();
          set.call(input, 'owner-7');
          input.dispatchEvent(new Event('input', { bubbles: true }));
          return window.__until(t, () => count() !== before);
        })()`),
      );
      // Clear the search so the updated row is on screen.
      await page.locator('[data-testid="deployments-search"]').fill('');
      const row = page.locator('[data-testid^="deployment-row-"]').first();
      const id = Number(
        ((await row.getAttribute('data-testid')) ?? '').replace('deployment-row-', ''),
      );
      const target = deployments[id - 1];
      if (!target || sockets.length === 0) throw new Error('no row or socket to update');
      await page.evaluate(`window.__updated = () =>
        document.querySelector('[data-testid="status-${id}"]')?.getAttribute('data-state') === 'expired';`);
      // Stamped in the page just before the frame is sent, so it includes the WebSocket hop.
      const t = await page.evaluate('performance.now()');
      const frame = JSON.stringify({
        type: 'deployments_changed',
        ids: [id],
        deployments: [{ ...target, status: 'expired' }],
        deleted: [],
      });
      for (const ws of sockets) ws.send(frame);
      results.live_update?.push(
        await page.evaluate(`window.__until(${String(t)}, () => window.__updated())`),
      );
      await page.close();
    }
  } finally {
    await browser.close();
    await serve.stop();
  }
  const size = bundleSize();
  console.log(
    `console benchmark: ${DEPLOYMENTS} deployments, ${NODES} nodes, ${RUNS} runs (median, to the next painted frame)` +
      (THROTTLE > 1 ? `, CPU throttled ${THROTTLE}×` : ''),
  );
  console.log('| step | median ms | min | max | budget | median / budget |');
  console.log('| --- | --- | --- | --- | --- | --- |');
  for (const [step, xs] of Object.entries(results)) {
    const m = median(xs);
    console.log(
      `| ${step} | ${m.toFixed(1)} | ${Math.min(...xs).toFixed(1)} | ${Math.max(...xs).toFixed(1)} | ${BUDGET_MS} | ${(m / BUDGET_MS).toFixed(2)} |`,
    );
  }
  console.log(
    `bundle: ${size.files} files, ${(size.bytes / 1024).toFixed(0)} KiB raw, ${(size.gzip / 1024).toFixed(0)} KiB gzip`,
  );
}

await main();
