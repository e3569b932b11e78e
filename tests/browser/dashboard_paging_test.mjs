// Pages through the dashboard in the system's headless Chromium: seeds
// tenants through the API, loads the page with a small page size (?limit=4),
// and checks that "Next" shows the second and third pages (each tenant once,
// in name order), that "Previous" comes back, and that the refresh keeps to
// the page shown.
//
//   node dashboard_paging_test.mjs <base-url> <screenshot-path>
//
// Environment: FLAGMETER_ADMIN_TOKEN, CHROMIUM (default /usr/bin/chromium).
// Exits 0 when every check passed, 1 with the failed check on stderr.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { seedTenants } from './seed.mjs';

const PAGE_SIZE = 4;
const [baseUrl, screenshotPath] = process.argv.slice(2);
if (!baseUrl || !screenshotPath) {
  console.error('usage: node dashboard_paging_test.mjs <base-url> <screenshot-path>');
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

// Bytewise, as the server orders names (JavaScript compares UTF-16 units,
// the same order for the ASCII names seeded).
const byName = (a, b) => (a < b ? -1 : a > b ? 1 : 0);

async function cardNames(page) {
  return page.locator('.card').evaluateAll((cards) => cards.map((card) => card.dataset.tenant));
}

// Waits until the cards shown are exactly `expected` (in any order).
async function waitForCards(page, expected, what) {
  const want = [...expected].sort(byName);
  await page.waitForFunction((names) => {
    const shown = [...document.querySelectorAll('.card')].map((card) => card.dataset.tenant).sort();
    return shown.length === names.length && shown.every((name, i) => name === names[i]);
  }, want, { timeout: 10000 }).catch(async () => {
    throw new Error(`${what}: expected cards ${want.join(', ')}, shown ${(await cardNames(page)).join(', ')}`);
  });
  check(true, `${what} shows ${want.join(', ')}`);
}

async function run(page, seen, names) {
  const pages = [];
  for (let i = 0; i < names.length; i += PAGE_SIZE) pages.push(names.slice(i, i + PAGE_SIZE));
  check(pages.length >= 3, `${names.length} tenants make ${pages.length} pages of ${PAGE_SIZE}`);

  await page.goto(`${baseUrl}/?limit=${PAGE_SIZE}`, { waitUntil: 'load' });
  await waitForCards(page, pages[0], 'page 1');
  check(await page.locator('#pager').isVisible(), 'the pager shows when there is more than one page');
  check(await page.locator('#page-prev').isDisabled(), '"Previous" is off on the first page');
  check(/Page 1/.test(await page.locator('#page-info').textContent()), 'the pager says "Page 1"');
  check(await page.locator('#stat-tenants').textContent() === String(PAGE_SIZE),
    `the totals are those of the page (${PAGE_SIZE} tenants)`);

  await page.click('#page-next');
  await waitForCards(page, pages[1], 'after "Next", page 2');
  check(/Page 2/.test(await page.locator('#page-info').textContent()), 'the pager says "Page 2"');
  const requested = seen.dataRequests.length;
  const deadline = Date.now() + 15000;
  while (seen.dataRequests.length <= requested && Date.now() < deadline) await page.waitForTimeout(200);
  const refreshed = seen.dataRequests.at(-1);
  check(seen.dataRequests.length > requested && refreshed.searchParams.has('cursor'),
    'the next refresh asks for page 2 again');
  await waitForCards(page, pages[1], 'after a refresh, still page 2');
  fs.mkdirSync(path.dirname(path.resolve(screenshotPath)), { recursive: true });
  await page.screenshot({ path: screenshotPath });
  console.log(`screenshot: ${path.resolve(screenshotPath)}`);

  const seenNames = [...pages[0], ...pages[1]];
  for (let index = 2; index < pages.length; index += 1) {
    await page.click('#page-next');
    await waitForCards(page, pages[index], `after "Next", page ${index + 1}`);
    seenNames.push(...pages[index]);
  }
  check(await page.locator('#page-next').isDisabled(), '"Next" is off on the last page');
  check(new Set(seenNames).size === names.length, `walking the pages showed all ${names.length} tenants once`);

  await page.click('#page-prev');
  await waitForCards(page, pages[pages.length - 2], `after "Previous", page ${pages.length - 1}`);
  const cursors = seen.dataRequests.filter((url) => url.searchParams.has('cursor'));
  check(cursors.length > 0 && seen.dataRequests.every((url) => url.searchParams.get('limit') === String(PAGE_SIZE)),
    `every data request asked for ${PAGE_SIZE} tenants, ${cursors.length} of them with a cursor`);
}

async function main() {
  await seedTenants(baseUrl, process.env.FLAGMETER_ADMIN_TOKEN);
  const listed = await (await fetch(`${baseUrl}/api/dashboard?limit=500`)).json();
  const names = listed.tenants.map((tenant) => tenant.tenantName);
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'flagmeter-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    viewport: { width: 1440, height: 1100 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  let failed = null;
  try {
    const page = context.pages()[0] || await context.newPage();
    const seen = { problems: [], dataRequests: [] };
    page.on('pageerror', (error) => seen.problems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') seen.problems.push(`console error: ${message.text()}`);
    });
    page.on('request', (request) => {
      const url = new URL(request.url());
      if (url.pathname === '/api/dashboard') seen.dataRequests.push(url);
    });
    await run(page, seen, names);
    check(seen.problems.length === 0, `no page errors ${JSON.stringify(seen.problems)}`);
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
