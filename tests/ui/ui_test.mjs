// End-to-end test of the web UI: a real `tepui local` (a master and two
// agents), real tasks started with `tepui run`, and Debian's Chromium
// driven headless by playwright-core. It opens the UI, launches tasks, sees
// them appear and change state without a reload (from the event stream),
// follows a task's stdout live in the sandbox browser, sees a failed task's
// reason, and checks the other pages and the asset routes. Screenshots go
// to --out (default: ./ui-screenshots).
//
//   node ui_test.mjs --tepui build/src/tepui --out build/ui-screenshots
import fs from 'node:fs';
import path from 'node:path';
import { check, findFiles, out, run, runTest, TIMEOUT_MS, waitFor } from './harness.mjs';

runTest('the web UI test', { agents: 2 }, async (cluster, browser) => {
  const base = `http://${cluster.leader}`;
  const children = [];
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
    children.push(run(cluster.leader, 'ui-tail',
      'echo first-line; echo to-stderr >&2; for i in $(seq 600); do [ -e go ] && break; sleep 0.1; done; echo second-line'));
    children.push(run(cluster.leader, 'ui-fails', 'echo failing; exit 3'));

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
    const role = await page.$eval('#task table.kv', (t) =>
      [...t.rows].find((r) => r.cells[0].textContent === 'Role')?.cells[1].textContent);
    check(role === '*', `the task's role is its resources' role (${role})`);
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
  } finally {
    for (const child of children) if (child.exitCode === null) child.kill('SIGINT');
  }
});
