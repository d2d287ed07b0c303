// End-to-end test of the web UI opened on a master that does not lead:
// `tepui local --masters 3` (three masters electing a leader through a real
// ZooKeeper). The follower serves the UI but redirects the operator API to
// the leader, which the page cannot follow; the UI says so and links to the
// leader's UI (/master/redirect), where it is live.
//
//   node ui_follower_test.mjs --tepui build/src/tepui --out build/ui-screenshots
import path from 'node:path';
import { check, out, runTest, TIMEOUT_MS } from './harness.mjs';

runTest('the web UI follower test', { agents: 1, masters: 3 }, async (cluster, browser) => {
  const follower = cluster.masters.find((m) => m !== cluster.leader);
  check(follower, 'a master that does not lead');
  const page = await browser.newPage({ viewport: { width: 1280, height: 600 } });
  await page.goto(`http://${follower}/`);
  const offer = page.locator('#connection[data-state="down"] a.leader');
  await offer.waitFor({ timeout: TIMEOUT_MS });
  await page.screenshot({ path: path.join(out, 'follower.png') });
  await offer.click();
  await page.waitForSelector('#connection[data-state="live"]', { timeout: TIMEOUT_MS });
  check(new URL(page.url()).host === cluster.leader, `landed on the leader (${page.url()})`);
  await page.waitForSelector('#dashboard .card:has-text("agents") .value:text-is("1")', { timeout: TIMEOUT_MS });
});
