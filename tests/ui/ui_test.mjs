// End-to-end test of the web UI: a real `tepui local` (a master and two
// agents), real tasks started with `tepui run`, and Debian's Chromium
// driven headless by playwright-core. It opens the UI, launches tasks, sees
// them appear and change state without a reload (from the event stream),
// follows a task's stdout live in the sandbox browser, sees a failed task's
// reason, and checks the other pages and the asset routes. Screenshots go
// to --out (default: ./ui-screenshots).
//
//   node ui_test.mjs --tepui build/src/tepui --out build/ui-screenshots
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { chromium } from 'playwright-core';

function option(name, fallback) {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : fallback;
}
const tepui = path.resolve(option('--tepui', process.env.TEPUI || 'build/src/tepui'));
const out = path.resolve(option('--out', 'ui-screenshots'));
const chromiumPath = process.env.CHROMIUM || '/usr/bin/chromium';
const TIMEOUT_MS = 20000;

function check(condition, what) {
  if (!condition) throw new Error('check failed: ' + what);
}

// Polls `predicate` (async) until it returns something truthy or the
// deadline passes.
async function waitFor(predicate, what, timeoutMs = TIMEOUT_MS) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await predicate().catch(() => undefined);
    if (value) return value;
    if (Date.now() > deadline) throw new Error('timed out waiting for ' + what);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

// `tepui local` on a free port; resolves to {proc, master, workDir}.
async function startCluster() {
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tepui-ui-'));
  fs.chmodSync(workDir, 0o755);
  const log = fs.openSync(path.join(workDir, 'local.log'), 'w');
  const proc = spawn(tepui, ['local', '--port', '0', '--agents', '2', '--work_dir', workDir,
    '--resources', 'cpus:4;mem:2048;disk:2048;ports:[31000-32000]'], { stdio: ['ignore', 'pipe', log] });
  const lines = readline.createInterface({ input: proc.stdout });
  const master = await new Promise((resolve, reject) => {
    proc.on('exit', (code) => reject(new Error(`tepui local exited (${code}); see ${workDir}/local.log`)));
    lines.on('line', (line) => {
      const m = line.match(/masters?:\s+http:\/\/([\d.]+:\d+)/);
      if (m) resolve(m[1]);
    });
  });
  await waitFor(async () => {
    const state = await (await fetch(`http://${master}/master/state`)).json();
    return state.slaves.length === 2;
  }, 'two agents to register');
  return { proc, master, workDir };
}

function run(master, name, command) {
  const proc = spawn(tepui, ['run', '--master', master, '--name', name, '--', command], { stdio: 'ignore' });
  return proc;
}

// Every file called `name` under `dir` (links not followed).
function findFiles(dir, name, found = []) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.name === name) found.push(full);
    else if (entry.isDirectory()) findFiles(full, name, found);
  }
  return found;
}

async function main() {
  fs.mkdirSync(out, { recursive: true });
  const cluster = await startCluster();
  const base = `http://${cluster.master}`;
  const browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox'] });
  const children = [];
  let passed = false;
  try {
    // The asset routes.
    const index = await fetch(base + '/');
    check(index.status === 200 && (await index.text()).includes('/webui/js/app.js'), '/ serves index.html');
    const script = await fetch(base + '/webui/js/app.js');
    check(script.headers.get('content-type').startsWith('text/javascript'), 'scripts are text/javascript');
    check((await fetch(base + '/webui/no-such-file.js')).status === 404, 'an unknown asset is 404');
    check((await fetch(base + '/', { method: 'POST' })).status === 405, 'POST / is 405');

    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(base + '/');
    // The event stream, not polling.
    await page.waitForSelector('#connection[data-state="live"]', { timeout: TIMEOUT_MS });
    await page.waitForSelector('#dashboard .card', { timeout: TIMEOUT_MS });
    check((await page.textContent('#dashboard')).includes('agents'), 'the dashboard shows counts');
    // Marks this page load: a reload would forget it.
    await page.evaluate(() => { window.notReloaded = true; });

    await page.click('header nav a[data-route="tasks"]');
    await page.waitForSelector('#tasks');
    // The task waits for a file `go` in its sandbox between its two lines,
    // so that the live tail is seen to pick up the second.
    children.push(run(cluster.master, 'ui-tail',
      'echo first-line; echo to-stderr >&2; for i in $(seq 600); do [ -e go ] && break; sleep 0.1; done; echo second-line'));
    children.push(run(cluster.master, 'ui-fails', 'echo failing; exit 3'));

    const row = (name) => page.locator('#tasks tbody tr', { hasText: name });
    await row('ui-tail').locator('.state.TASK_RUNNING').waitFor({ timeout: TIMEOUT_MS });
    await row('ui-fails').locator('.state.TASK_FAILED').waitFor({ timeout: TIMEOUT_MS });
    await page.screenshot({ path: path.join(out, 'tasks.png'), fullPage: true });

    // The filter: only failed tasks.
    await page.selectOption('#tasks select[name="state"]', 'TASK_FAILED');
    await waitFor(async () => (await page.locator('#tasks tbody tr').count()) === 1, 'the state filter');
    check((await page.textContent('#tasks tbody')).includes('ui-fails'), 'the filter keeps the failed task');
    await page.selectOption('#tasks select[name="state"]', '');
    // And by framework, chosen by its name.
    const fails = await page.$eval('#tasks select[name="framework"]',
      (select) => [...select.options].find((o) => o.textContent.startsWith('ui-fails ')).value);
    await page.selectOption('#tasks select[name="framework"]', fails);
    await waitFor(async () => (await page.locator('#tasks tbody tr').count()) === 1, 'the framework filter');
    check((await page.textContent('#tasks tbody')).includes('ui-fails'), 'the framework filter keeps its task');
    await page.selectOption('#tasks select[name="framework"]', '');

    // The failed task's page: its reason and history.
    await row('ui-fails').locator('td:first-child a').click();
    await page.waitForSelector('#task .failure', { timeout: TIMEOUT_MS });
    const failure = await page.textContent('#task .failure');
    check(/status 3/.test(failure), `the failure is explained (${failure})`);
    check((await page.textContent('#task table:last-of-type')).includes('TASK_RUNNING'), 'the history has RUNNING');
    await page.screenshot({ path: path.join(out, 'task-failed.png'), fullPage: true });

    // The running task's page, then its sandbox and stdout.
    await page.goBack();
    await row('ui-tail').locator('td:first-child a').click();
    await page.waitForSelector('#task');
    const taskPage = await page.evaluate(() => location.hash);
    await page.click('text=browse the sandbox');
    await page.waitForSelector('#sandbox table', { timeout: TIMEOUT_MS });
    check((await page.textContent('#sandbox table')).includes('stdout'), 'the sandbox lists stdout');
    await page.screenshot({ path: path.join(out, 'sandbox.png'), fullPage: true });
    await page.click('#sandbox .tabs a:has-text("stdout")');
    await page.waitForSelector('pre.log:has-text("first-line")', { timeout: TIMEOUT_MS });
    const stdout = findFiles(cluster.workDir, 'stdout').find((f) => fs.readFileSync(f, 'utf8').includes('first-line'));
    check(stdout, 'the task\'s sandbox is on disk');
    const sandbox = path.dirname(stdout);
    fs.writeFileSync(path.join(sandbox, 'go'), '');
    await page.waitForSelector('pre.log:has-text("second-line")', { timeout: TIMEOUT_MS });
    await page.screenshot({ path: path.join(out, 'stdout.png'), fullPage: true });
    await page.click('#sandbox .tabs a:has-text("stderr")');
    await page.waitForSelector('pre.log:has-text("to-stderr")', { timeout: TIMEOUT_MS });

    // Back on the task's page it has finished, still without a reload.
    await page.evaluate((hash) => { location.hash = hash; }, taskPage);
    await page.waitForSelector('#task .state.TASK_FINISHED', { timeout: TIMEOUT_MS });
    check(await page.evaluate(() => window.notReloaded === true), 'the page was never reloaded');
    await page.screenshot({ path: path.join(out, 'task-finished.png'), fullPage: true });
    // Its agent's page lists it.
    await page.click('#task a[href^="#/agents/"]');
    await page.waitForSelector('#agent tbody tr:has-text("ui-tail"):has-text("TASK_FINISHED")', { timeout: TIMEOUT_MS });

    // Agents, an agent's tasks, frameworks, roles.
    await page.click('header nav a[data-route="agents"]');
    await waitFor(async () => (await page.locator('#agents tbody tr').count()) === 2, 'two agents listed');
    await page.screenshot({ path: path.join(out, 'agents.png'), fullPage: true });
    await page.click('header nav a[data-route="frameworks"]');
    await page.waitForSelector('#frameworks tbody tr:has-text("ui-tail")', { timeout: TIMEOUT_MS });
    await page.locator('#frameworks tbody tr', { hasText: 'ui-tail' }).locator('td:first-child a').click();
    await page.waitForSelector('#framework tbody tr:has-text("TASK_FINISHED")', { timeout: TIMEOUT_MS });
    // A role with a weight and a quota, set through the operator API.
    const operator = (body) => fetch(base + '/api/v1', {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body),
    });
    check((await operator({ type: 'UPDATE_WEIGHTS', update_weights: { weight_infos: [{ role: 'ui-role', weight: 2.5 }] } })).ok,
      'UPDATE_WEIGHTS');
    check((await operator({
      type: 'UPDATE_QUOTA',
      update_quota: { force: true, quota_configs: [{ role: 'ui-role', guarantees: { cpus: { value: 1 } }, limits: { cpus: { value: 2 } } }] },
    })).ok, 'UPDATE_QUOTA');
    await page.click('header nav a[data-route="roles"]');
    await page.waitForSelector('#roles tr:has-text("ui-role"):has-text("2.5"):has-text("cpus 1"):has-text("cpus 2")',
      { timeout: TIMEOUT_MS });
    await page.screenshot({ path: path.join(out, 'roles.png'), fullPage: true });
    await page.click('header nav a[data-route=""]');
    await page.waitForSelector('#dashboard a:has-text("TASK_FINISHED")', { timeout: TIMEOUT_MS });
    await page.screenshot({ path: path.join(out, 'dashboard.png'), fullPage: true });

    check(errors.length === 0, 'no script errors: ' + errors.join('; '));
    console.log('ok: web UI test passed; screenshots in ' + out);
    passed = true;
  } finally {
    await browser.close();
    for (const child of children) if (child.exitCode === null) child.kill('SIGINT');
    const exited = cluster.proc.exitCode === null ? once(cluster.proc, 'exit') : Promise.resolve();
    cluster.proc.kill('SIGINT');
    const timer = setTimeout(() => cluster.proc.kill('SIGKILL'), 30000);
    await exited;
    clearTimeout(timer);
    if (passed) fs.rmSync(cluster.workDir, { recursive: true, force: true });
    else console.error(`kept ${cluster.workDir} (local.log, sandboxes)`);
  }
}

main().catch((error) => {
  console.error('FAILED:', error);
  process.exit(1);
});
