// One card per tenant, made once and updated in place on every refresh, so
// an open feature list or the scroll position survive the refresh.
import { drawSparkline, svgElement } from './chart.js';
import {
  formatCompact, formatDay, formatExact, formatLeft, formatPercent, level, quotaFraction,
} from './format.js';

const FEATURES_SHOWN = 4;

function el(tag, className, text) {
  const element = document.createElement(tag);
  if (className) element.className = className;
  if (text !== undefined) element.textContent = text;
  return element;
}

export function createCard(name) {
  const card = el('article', 'card');
  card.dataset.tenant = name;
  const head = el('header', 'card-head');
  const refs = {
    name: el('h3', 'name', name),
    percent: el('span', 'percent'),
    fill: el('div', 'fill'),
    total: el('span', 'total'),
    quota: el('span', 'quota'),
    period: el('div', 'period muted'),
    projection: el('div', 'projection'),
    hour: el('span', 'hour muted'),
    spark: svgElement('svg', { class: 'spark', 'aria-label': 'Tokens per minute, last hour' }),
    features: el('ul', 'features'),
    more: el('details', 'more'),
    moreList: el('ul', 'features'),
    moreSummary: el('summary'),
  };
  refs.name.title = name;
  head.append(refs.name, refs.percent);
  const bar = el('div', 'bar');
  bar.setAttribute('role', 'meter');
  bar.setAttribute('aria-label', `${name}: share of monthly quota used`);
  bar.append(refs.fill);
  const numbers = el('div', 'numbers');
  numbers.append(refs.total, el('span', 'muted', ' of '), refs.quota, el('span', 'muted', ' tokens'));
  const sparkRow = el('div', 'spark-row');
  sparkRow.append(refs.spark, refs.hour);
  refs.more.append(refs.moreSummary, refs.moreList);
  card.append(head, bar, numbers, refs.period, refs.projection, sparkRow, refs.features, refs.more);
  card.refs = refs;
  return card;
}

function featureRow(feature, total) {
  const row = el('li');
  const share = total > 0 ? Number(feature.tokens) / Number(total) : 0;
  const name = el('span', 'feature-name', feature.feature);
  name.title = `${feature.feature}: ${formatExact(feature.events)} events`;
  const meter = el('span', 'feature-bar');
  const fill = el('span');
  fill.style.width = `${Math.max(share * 100, feature.tokens > 0 ? 1 : 0).toFixed(1)}%`;
  meter.append(fill);
  row.append(name, meter, el('span', 'feature-tokens', formatCompact(feature.tokens)));
  return row;
}

// Tokens at the period's end if the pace so far holds.
export function projectedTokens(tenant, nowMs) {
  const start = Date.parse(tenant.periodStart);
  const end = Date.parse(tenant.periodEnd);
  const elapsed = Math.max(nowMs - start, 3600000);  // no wild projection in the first hour
  return Number(tenant.totalTokens) * ((end - start) / elapsed);
}

function updateNumbers(refs, tenant, nowMs) {
  const fraction = quotaFraction(tenant.totalTokens, tenant.monthlyQuota);
  const state = level(fraction);
  refs.fill.style.width = `${Math.min(fraction, 1) * 100}%`;
  refs.fill.parentElement.setAttribute('aria-valuenow', String(Math.round(Math.min(fraction, 10) * 100)));
  const hasQuota = tenant.monthlyQuota > 0;
  refs.percent.textContent = hasQuota ? formatPercent(fraction) : 'no quota';
  refs.total.textContent = formatExact(tenant.totalTokens);
  refs.total.dataset.total = String(tenant.totalTokens);
  refs.quota.textContent = hasQuota ? formatCompact(tenant.monthlyQuota) : 'unlimited';
  refs.quota.title = formatExact(tenant.monthlyQuota);
  const end = new Date(Date.parse(tenant.periodEnd) - 1);
  refs.period.textContent = `${formatDay(tenant.periodStart)} – ${formatDay(end.toISOString())} · ` +
    `${formatLeft(tenant.periodEnd, nowMs)} · resets on day ${tenant.billingDay}`;
  const projected = quotaFraction(projectedTokens(tenant, nowMs), tenant.monthlyQuota);
  refs.projection.textContent = tenant.totalTokens > 0 && hasQuota
    ? `On pace for ${formatPercent(projected)} of quota by ${formatDay(tenant.periodEnd)}` : '';
  refs.projection.className = `projection ${level(projected)}`;
  return state;
}

export function updateCard(card, tenant, nowMs) {
  const { refs } = card;
  card.dataset.level = updateNumbers(refs, tenant, nowMs);
  refs.hour.textContent = `${formatCompact(tenant.lastHourTokens)} last hour`;
  drawSparkline(refs.spark, tenant.minuteTokens);
  const shown = tenant.features.slice(0, FEATURES_SHOWN);
  const rest = tenant.features.slice(FEATURES_SHOWN);
  refs.features.replaceChildren(...shown.map((f) => featureRow(f, tenant.totalTokens)));
  if (tenant.features.length === 0) refs.features.append(el('li', 'muted', 'No usage this period yet'));
  refs.moreList.replaceChildren(...rest.map((f) => featureRow(f, tenant.totalTokens)));
  refs.moreSummary.textContent = `${rest.length} more feature${rest.length === 1 ? '' : 's'}`;
  refs.more.hidden = rest.length === 0;
}
