// The dashboard: one request to /api/dashboard per refresh, cards updated in
// place, and a line saying how fresh the numbers are. Tenants come in pages
// (the server's default size, or ?limit=N in the page's address); "Next" and
// "Previous" move between them and the refresh keeps to the page shown.
import { drawChart } from './chart.js';
import { createCard, projectedTokens, updateCard } from './cards.js';
import {
  compareExact, formatAge, formatClock, formatCompact, formatExact, maxExact, parseExactJson, quotaFraction, sumExact,
} from './format.js';

const TOKEN_KEY = 'flagmeter.adminToken';
const $ = (id) => document.getElementById(id);

const state = {
  data: null,          // the last answer
  receivedAt: 0,       // when it arrived (client clock)
  error: null,         // why the last refresh failed
  cards: new Map(),    // tenant name -> card element
  refreshMs: 5000,
  timer: null,
  limit: new URLSearchParams(window.location.search).get('limit'),  // null: the server's default
  cursors: [null],     // cursor of each page visited so far; null: the first page
  pageIndex: 0,        // which of them is shown
  requestSeq: 0,       // answers to requests older than the newest are dropped
};

function dashboardUrl() {
  const params = new URLSearchParams();
  if (state.limit) params.set('limit', state.limit);
  const cursor = state.cursors[state.pageIndex];
  if (cursor) params.set('cursor', cursor);
  const query = params.toString();
  return query ? `/api/dashboard?${query}` : '/api/dashboard';
}

async function fetchDashboard() {
  const headers = { Accept: 'application/json' };
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (token) headers.Authorization = `Bearer ${token}`;
  const response = await fetch(dashboardUrl(), { headers, cache: 'no-store' });
  const body = await response.text().then(parseExactJson).catch(() => ({}));
  if (response.status === 401 || response.status === 403) {
    const error = new Error(body.error || `HTTP ${response.status}`);
    error.needsToken = true;
    throw error;
  }
  if (!response.ok) throw new Error(body.error || `HTTP ${response.status}`);
  return body;
}

async function refresh() {
  clearTimeout(state.timer);
  const seq = ++state.requestSeq;
  try {
    const data = await fetchDashboard();
    if (seq !== state.requestSeq) return;  // the page changed meanwhile; its own refresh is under way
    state.data = data;
    state.receivedAt = Date.now();
    state.error = null;
    state.refreshMs = (data.refreshSeconds || 5) * 1000;
    $('auth').hidden = true;
    render();
  } catch (error) {
    if (seq !== state.requestSeq) return;
    state.error = error;
    if (error.needsToken) showAuth(error.message);
  }
  renderFreshness();
  state.timer = setTimeout(refresh, state.refreshMs);
}

function showAuth(message) {
  $('auth-reason').textContent = `${message}. Enter the admin token to show every tenant's usage.`;
  $('auth').hidden = false;
}

function renderFreshness() {
  const box = $('freshness');
  const text = $('freshness-text');
  if (!state.data) {
    box.className = `freshness ${state.error ? 'down' : 'loading'}`;
    text.textContent = state.error ? `Cannot load usage: ${state.error.message}` : 'Loading…';
    return;
  }
  const age = (Date.now() - state.receivedAt) / 1000;
  const asOf = formatClock(new Date(state.data.generatedAt));
  if (state.error) {
    box.className = 'freshness down';
    text.textContent = `Not updating (${state.error.message}); data from ${asOf}, ${formatAge(age)}`;
  } else if (age * 1000 > 3 * state.refreshMs) {
    box.className = 'freshness stale';
    text.textContent = `Stale: updated ${formatAge(age)} (data as of ${asOf})`;
  } else {
    box.className = 'freshness live';
    text.textContent = `Live · updated ${formatAge(age)} · data as of ${asOf} · every ${state.refreshMs / 1000} s`;
  }
}

function paged() {
  return state.pageIndex > 0 || Boolean(state.data && state.data.nextCursor);
}

// The pager shows only when there is more than one page; totals and the
// chart are then those of the page shown, and say so.
function renderPager(data) {
  const more = paged();
  $('pager').hidden = !more;
  $('page-prev').disabled = state.pageIndex === 0;
  $('page-next').disabled = !data.nextCursor;
  const first = data.tenants[0];
  const last = data.tenants.at(-1);
  $('page-info').textContent = first
    ? `Page ${state.pageIndex + 1} · ${first.tenantName} – ${last.tenantName}`
    : `Page ${state.pageIndex + 1}`;
  $('stat-tenants-label').textContent = more ? 'Tenants on this page' : 'Tenants';
  $('chart-title').textContent = `Tokens per minute, last hour, ${more ? 'tenants on this page' : 'all tenants'}`;
}

function goToPage(index) {
  if (index < 0 || index >= state.cursors.length) return;
  state.pageIndex = index;
  // Until the page arrives, the one shown cannot say where "next" leads.
  $('page-prev').disabled = true;
  $('page-next').disabled = true;
  refresh();
}

function nextPage() {
  if (!state.data || !state.data.nextCursor) return;
  state.cursors = state.cursors.slice(0, state.pageIndex + 1);
  state.cursors.push(state.data.nextCursor);
  goToPage(state.pageIndex + 1);
}

function renderSummary(data) {
  const fractions = data.tenants.map((t) => quotaFraction(t.totalTokens, t.monthlyQuota));
  $('stat-tenants').textContent = formatExact(data.totals.tenants);
  $('stat-period').textContent = formatCompact(data.totals.periodTokens);
  $('stat-period').title = formatExact(data.totals.periodTokens);
  const hour = sumExact(data.totals.minuteTokens);
  $('stat-hour').textContent = formatCompact(hour);
  $('stat-hour').title = formatExact(hour);
  $('stat-hot').textContent = formatExact(fractions.filter((f) => f >= 0.8 && f < 1).length);
  $('stat-over').textContent = formatExact(fractions.filter((f) => f >= 1).length);
  const peak = maxExact(data.totals.minuteTokens);
  $('chart-note').textContent = `peak ${formatExact(peak)} tokens/min · now ${formatExact(data.totals.minuteTokens.at(-1) || 0)}`;
}

const sorters = {
  percent: (a, b, now) => quotaFraction(b.totalTokens, b.monthlyQuota) - quotaFraction(a.totalTokens, a.monthlyQuota),
  tokens: (a, b) => compareExact(b.totalTokens, a.totalTokens),
  hour: (a, b) => compareExact(b.lastHourTokens, a.lastHourTokens),
  projected: (a, b, now) => quotaFraction(projectedTokens(b, now), b.monthlyQuota) -
    quotaFraction(projectedTokens(a, now), a.monthlyQuota),
  name: () => 0,
};

function compareNames(a, b) {
  return a.tenantName < b.tenantName ? -1 : a.tenantName > b.tenantName ? 1 : 0;
}

function matchesFilter(tenant, needle, onlyHot) {
  if (onlyHot && quotaFraction(tenant.totalTokens, tenant.monthlyQuota) < 0.8) return false;
  if (!needle) return true;
  if (tenant.tenantName.toLowerCase().includes(needle)) return true;
  return tenant.features.some((f) => f.feature.toLowerCase().includes(needle));
}

function renderCards(data, now) {
  const seen = new Set();
  for (const tenant of data.tenants) {
    let card = state.cards.get(tenant.tenantName);
    if (!card) {
      card = createCard(tenant.tenantName);
      state.cards.set(tenant.tenantName, card);
    }
    updateCard(card, tenant, now);
    seen.add(tenant.tenantName);
  }
  for (const [name, card] of state.cards) {
    if (!seen.has(name)) { card.remove(); state.cards.delete(name); }
  }
  arrangeCards();
}

// Sorts and filters the cards without rebuilding them; also run on every
// keystroke in the filter.
function arrangeCards() {
  if (!state.data) return;
  const now = Date.now();
  const needle = $('filter').value.trim().toLowerCase();
  const onlyHot = $('only-hot').checked;
  const sorter = sorters[$('sort').value] || sorters.percent;
  const ordered = [...state.data.tenants].sort((a, b) => sorter(a, b, now) || compareNames(a, b));
  const container = $('tenants');
  let shown = 0;
  ordered.forEach((tenant, index) => {
    const card = state.cards.get(tenant.tenantName);
    card.hidden = !matchesFilter(tenant, needle, onlyHot);
    if (!card.hidden) shown += 1;
    if (container.children[index] !== card) container.insertBefore(card, container.children[index] || null);
  });
  $('shown').textContent = `${shown} of ${ordered.length} shown`;
  $('empty').hidden = ordered.length > 0;
}

function render() {
  const { data } = state;
  renderPager(data);
  renderSummary(data);
  drawChart($('chart'), data.totals.minuteTokens, Date.parse(data.chart.from), formatCompact);
  renderCards(data, Date.now());
}

function start() {
  $('filter').addEventListener('input', arrangeCards);
  $('sort').addEventListener('change', arrangeCards);
  $('only-hot').addEventListener('change', arrangeCards);
  $('page-next').addEventListener('click', nextPage);
  $('page-prev').addEventListener('click', () => goToPage(state.pageIndex - 1));
  $('auth').addEventListener('submit', (event) => {
    event.preventDefault();
    sessionStorage.setItem(TOKEN_KEY, $('auth-token').value.trim());
    refresh();
  });
  window.addEventListener('resize', () => {
    if (state.data) drawChart($('chart'), state.data.totals.minuteTokens, Date.parse(state.data.chart.from), formatCompact);
  });
  document.addEventListener('visibilitychange', () => { if (!document.hidden) refresh(); });
  setInterval(renderFreshness, 1000);
  refresh();
}

start();
