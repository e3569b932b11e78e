// Number, date and percent formatting shared by the page's modules.

const exact = new Intl.NumberFormat('en-US');
const compact = new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 1 });
const day = new Intl.DateTimeFormat('en-US', { month: 'short', day: 'numeric', timeZone: 'UTC' });
const clock = new Intl.DateTimeFormat('en-GB', {
  hour: '2-digit', minute: '2-digit', second: '2-digit', timeZone: 'UTC',
});

// Token sums may pass 2^53 (one event may carry 2^53 - 1 tokens), where a
// JSON number read as a double loses digits. parseExactJson reads every
// integer beyond Number.MAX_SAFE_INTEGER from its source text as a BigInt;
// Intl formats BigInts exactly, and comparisons mix BigInt and Number
// exactly, but arithmetic does not: geometry and ratios go through Number().
export function parseExactJson(text) {
  return JSON.parse(text, (key, value, context) => (
    typeof value === 'number' && !Number.isSafeInteger(value) && context && /^-?\d+$/.test(context.source)
      ? BigInt(context.source) : value));
}

// The exact sum of token counts (Numbers or BigInts), as a BigInt.
export const sumExact = (values) => values.reduce((sum, v) => sum + BigInt(v), 0n);

// The largest of token counts (Numbers or BigInts), as given; 0 for none.
export const maxExact = (values) => values.reduce((max, v) => (v > max ? v : max), 0);

// Sort order of two token counts (Numbers or BigInts), exact.
export const compareExact = (a, b) => (a > b) - (a < b);

export const formatExact = (n) => exact.format(n);
export const formatCompact = (n) => compact.format(n);
export const formatDay = (iso) => day.format(new Date(iso));
export const formatClock = (date) => `${clock.format(date)} UTC`;

// Percent of quota with one decimal under 10 %, so small tenants do not all read "0 %".
export function formatPercent(fraction) {
  const percent = fraction * 100;
  if (percent > 0 && percent < 0.1) return '< 0.1 %';
  return `${percent < 10 ? percent.toFixed(1) : Math.round(percent)} %`;
}

export function formatAge(seconds) {
  if (seconds < 2) return 'just now';
  if (seconds < 90) return `${Math.round(seconds)} s ago`;
  return `${Math.round(seconds / 60)} min ago`;
}

// "12 days left", "5 h left" until an ISO instant.
export function formatLeft(endIso, nowMs) {
  const ms = Date.parse(endIso) - nowMs;
  if (ms <= 0) return 'ended';
  const days = Math.floor(ms / 86400000);
  if (days >= 1) return `${days} day${days === 1 ? '' : 's'} left`;
  return `${Math.max(1, Math.round(ms / 3600000))} h left`;
}

// Used fraction of the quota; 0 for a tenant without one (quota 0).
export function quotaFraction(tokens, quota) {
  return quota > 0 ? Number(tokens) / Number(quota) : 0;
}

// The level a fraction of quota shows as: red from 80 %.
export function level(fraction) {
  if (fraction >= 1) return 'over';
  if (fraction >= 0.8) return 'hot';
  return 'ok';
}
