// Drives the dashboard in the system's headless Chromium (never a downloaded
// browser): seeds tenants through the API, loads the page, posts more events
// and waits until the tenant's card shows the new total without a reload,
// checks the charts have points, and saves a screenshot.
//
//   node dashboard_test.mjs <base-url> <screenshot-path>
//
// Environment: FLAGMETER_ADMIN_TOKEN (sets quotas, so some cards turn red),
// CHROMIUM (default /usr/bin/chromium). Exits 0 when every check passed,
// 1 with the failed check on stderr otherwise.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { seedTenants, postEvents, LIVE_TENANT } from './seed.mjs';

const [baseUrl, screenshotPath] = process.argv.slice(2);
if (!baseUrl || !screenshotPath) {
  console.error('usage: node dashboard_test.mjs <base-url> <screenshot-path>');
  process.exit(2);
}
const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
if (!fs.existsSync(executablePath)) {
  console.error(`FAIL: no Chromium at ${executablePath}: install the Debian packages chromium and chromium-driver`);
  process.exit(1);
}

const check = (ok, message) => {
  if (!ok) throw new Error(message);
  console.log(`ok - ${message}`);
};

async function launch() {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'flagmeter-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    viewport: { width: 1440, height: 1100 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  return { context, profile };
}

function watch(page) {
  const seen = { problems: [], dataRequests: [], navigations: 0 };
  page.on('pageerror', (error) => seen.problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') seen.problems.push(`console error: ${message.text()}`);
  });
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (url.origin !== new URL(baseUrl).origin) seen.problems.push(`request to another origin: ${url}`);
    if (url.pathname.startsWith('/api/')) seen.dataRequests.push(url.pathname);
  });
  page.on('framenavigated', (frame) => { if (frame === page.mainFrame()) seen.navigations += 1; });
  return seen;
}

async function cardTotal(page, tenant) {
  return page.locator(`.card[data-tenant="${tenant}"] .total`).getAttribute('data-total');
}

async function run(page, seen, seeded) {
  await page.goto(baseUrl, { waitUntil: 'load' });
  await page.waitForSelector(`.card[data-tenant="${LIVE_TENANT}"] .total[data-total]`, { timeout: 10000 });
  check(await page.locator('.card').count() === seeded.tenants, `${seeded.tenants} tenant cards render`);
  await page.evaluate(() => { window.flagmeterMarker = 'same document'; });

  const before = Number(await cardTotal(page, LIVE_TENANT));
  const added = await postEvents(baseUrl, LIVE_TENANT, 25, 4000);
  const expected = before + added;
  const started = Date.now();
  await page.waitForSelector(`.card[data-tenant="${LIVE_TENANT}"] .total[data-total="${expected}"]`, { timeout: 15000 });
  check(true, `card of ${LIVE_TENANT} shows ${expected} tokens ${Date.now() - started} ms after the post`);
  check(await page.evaluate(() => window.flagmeterMarker) === 'same document' && seen.navigations === 1,
    'the page updated itself without a reload');

  const chart = await page.locator('#chart').evaluate((svg) => ({ ...svg.dataset }));
  check(Number(chart.points) === 60 && Number(chart.nonzero) > 0,
    `the last-hour chart has 60 points, ${chart.nonzero} of them above zero`);
  const spark = await page.locator(`.card[data-tenant="${LIVE_TENANT}"] .spark`).evaluate((svg) => ({ ...svg.dataset }));
  check(Number(spark.nonzero) > 0, `${LIVE_TENANT}'s sparkline has points above zero`);

  await checkQuotaColors(page, seeded);
  await checkFilter(page, seeded);
  const data = seen.dataRequests;
  check(data.length > 0 && data.every((p) => p === '/api/dashboard'),
    `the page asked for data only from /api/dashboard (${data.length} requests)`);
  await page.waitForFunction(() => /Live/.test(document.getElementById('freshness-text').textContent));
  check(true, `freshness line: "${await page.locator('#freshness-text').textContent()}"`);
}

async function checkQuotaColors(page, seeded) {
  const fillColor = (tenant) => page.locator(`.card[data-tenant="${tenant}"] .bar .fill`)
    .evaluate((fill) => getComputedStyle(fill).backgroundColor);
  const hot = await fillColor(seeded.hotTenant);
  const calm = await fillColor(seeded.calmTenant);
  check(hot === 'rgb(220, 38, 38)', `a tenant at 80 % or more has a red bar (${hot})`);
  check(calm !== hot, `a tenant under 80 % does not (${calm})`);
}

async function checkFilter(page, seeded) {
  await page.fill('#filter', seeded.hotTenant);
  const visible = await page.locator('.card:not([hidden])').count();
  check(visible === 1, `filtering by "${seeded.hotTenant}" leaves 1 card (${visible})`);
  await page.fill('#filter', '');
  await page.selectOption('#sort', 'percent');
  const first = await page.locator('.card').first().getAttribute('data-tenant');
  check(first === seeded.fullestTenant, `sorted by quota used, ${seeded.fullestTenant} comes first (${first})`);
}

async function main() {
  const seeded = await seedTenants(baseUrl, process.env.FLAGMETER_ADMIN_TOKEN);
  const { context, profile } = await launch();
  let failed = null;
  try {
    const page = context.pages()[0] || await context.newPage();
    const seen = watch(page);
    try {
      await run(page, seen, seeded);
      check(seen.problems.length === 0, `no page errors or foreign requests ${JSON.stringify(seen.problems)}`);
    } finally {
      fs.mkdirSync(path.dirname(path.resolve(screenshotPath)), { recursive: true });
      await page.screenshot({ path: screenshotPath });
      console.log(`screenshot: ${path.resolve(screenshotPath)}`);
    }
  } catch (error) {
    failed = error;
  } finally {
    await context.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
  if (failed) {
    console.error(`FAIL: ${failed.message}`);
    process.exit(1);
  }
}

await main();
