// Measures the web UI against a running cluster (by hand; see docs/webui.md,
// "Speed"): opens it in headless Chromium, and prints from window.tepuiStats
// the time to the first render, the cost of applying events and of
// re-rendering on each of --views in turn (a third of --seconds each).
//
//   node measure.mjs --master 127.0.0.1:5050 [--seconds 20] [--views '#/,#/tasks,#/agents']
import { chromium } from 'playwright-core';

function option(name, fallback) {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : fallback;
}
const master = option('--master', '127.0.0.1:5050');
const seconds = Number(option('--seconds', '20'));
const views = option('--views', '#/,#/tasks,#/agents').split(',');

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: ['--no-sandbox'] });
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const stats = () => page.evaluate(() => ({ ...window.tepuiStats }));
  await page.goto(`http://${master}/`);
  await page.waitForFunction(() => window.tepuiStats?.firstRenderMs != null, null, { timeout: 120000 });
  const first = await stats();
  console.log(`first render: ${first.firstRenderMs.toFixed(0)} ms after navigation start, ` +
    `${first.agents} agents, ${first.tasks} tasks; SUBSCRIBED applied in ${first.applyMs.toFixed(0)} ms`);

  for (const view of views) {
    await page.evaluate((hash) => { location.hash = hash; }, view);
    const before = await stats();
    await page.waitForTimeout((seconds * 1000) / views.length);  // a measuring window, not a wait for a condition
    const after = await stats();
    const renders = after.renders - before.renders;
    const events = after.events - before.events;
    const renderMs = after.totalRenderMs - before.totalRenderMs;
    const applyMs = after.applyMs - before.applyMs;
    console.log(`${view}: ${events} events applied in ${applyMs.toFixed(1)} ms ` +
      `(${events ? ((1000 * applyMs) / events).toFixed(1) : '-'} µs each); ${renders} renders, ` +
      `${renders ? (renderMs / renders).toFixed(1) : '-'} ms each on average, max so far ${after.maxRenderMs.toFixed(1)} ms; ` +
      `now ${after.agents} agents, ${after.tasks} tasks`);
  }
} finally {
  await browser.close();
}
