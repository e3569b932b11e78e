// Inline SVG charts: the big tokens-per-minute chart and each card's sparkline.

const SVG = 'http://www.w3.org/2000/svg';

export function svgElement(name, attributes = {}) {
  const element = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, String(value));
  return element;
}

// A round upper bound for the y axis: 1, 2 or 5 times a power of ten.
function niceMax(value) {
  if (value <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 5, 10]) if (step * power >= value) return step * power;
  return 10 * power;
}

function linePoints(values, width, height, max, left = 0, top = 0) {
  const stepX = values.length > 1 ? width / (values.length - 1) : 0;
  return values.map((v, i) => `${(left + i * stepX).toFixed(1)},${(top + height - (v / max) * height).toFixed(1)}`);
}

function markData(svg, values) {
  svg.dataset.points = String(values.length);
  svg.dataset.nonzero = String(values.filter((v) => v > 0).length);
}

// Draws `values` (tokens per minute, oldest first, the last minute being the
// current one) into `svg`, sized to its box, with axes and a hover title per minute.
// Values may be BigInts (exact sums past 2^53): the geometry uses Numbers,
// the hover titles the exact values.
export function drawChart(svg, exactValues, fromMs, format) {
  const values = exactValues.map(Number);
  const box = svg.getBoundingClientRect();
  const width = Math.max(320, Math.round(box.width));
  const height = Math.max(160, Math.round(box.height));
  const pad = { left: 56, right: 12, top: 12, bottom: 26 };
  const plotW = width - pad.left - pad.right;
  const plotH = height - pad.top - pad.bottom;
  const max = niceMax(Math.max(...values, 0));
  svg.replaceChildren();
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
  for (const fraction of [0, 0.5, 1]) {
    const y = pad.top + plotH - fraction * plotH;
    svg.append(svgElement('line', { x1: pad.left, x2: width - pad.right, y1: y, y2: y, class: 'grid' }));
    const label = svgElement('text', { x: pad.left - 8, y: y + 4, class: 'axis', 'text-anchor': 'end' });
    label.textContent = format(max * fraction);
    svg.append(label);
  }
  const points = linePoints(values, plotW, plotH, max, pad.left, pad.top);
  const base = pad.top + plotH;
  const area = `${pad.left},${base} ${points.join(' ')} ${pad.left + plotW},${base}`;
  svg.append(svgElement('polygon', { points: area, class: 'area' }));
  svg.append(svgElement('polyline', { points: points.join(' '), class: 'line' }));
  const last = points[points.length - 1].split(',');
  svg.append(svgElement('circle', { cx: last[0], cy: last[1], r: 3.5, class: 'now' }));
  drawTimeAxis(svg, values.length, plotW, pad, base);
  drawHoverTargets(svg, exactValues, fromMs, plotW, plotH, pad);
  markData(svg, values);
}

function drawTimeAxis(svg, count, plotW, pad, base) {
  for (const minutesAgo of [60, 45, 30, 15, 0]) {
    const index = count - 1 - Math.min(minutesAgo, count - 1);
    const x = pad.left + (count > 1 ? (index / (count - 1)) * plotW : 0);
    const label = svgElement('text', { x, y: base + 18, class: 'axis', 'text-anchor': 'middle' });
    label.textContent = minutesAgo === 0 ? 'now' : `−${minutesAgo} min`;
    svg.append(label);
  }
}

function drawHoverTargets(svg, values, fromMs, plotW, plotH, pad) {
  const slot = plotW / values.length;
  values.forEach((v, i) => {
    const rect = svgElement('rect', {
      x: pad.left + i * slot - slot / 2, y: pad.top, width: slot, height: plotH, class: 'hover',
    });
    const title = svgElement('title');
    const at = new Date(fromMs + i * 60000).toISOString().slice(11, 16);
    title.textContent = `${at} UTC: ${v.toLocaleString('en-US')} tokens`;
    rect.append(title);
    svg.append(rect);
  });
}

// A small line of the last hour inside a card.
export function drawSparkline(svg, exactValues) {
  const values = exactValues.map(Number);
  const width = 240;
  const height = 36;
  const max = Math.max(...values, 0) || 1;
  const points = linePoints(values, width, height - 2, max, 0, 1);
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
  svg.setAttribute('preserveAspectRatio', 'none');
  svg.replaceChildren(
    svgElement('polygon', { points: `0,${height} ${points.join(' ')} ${width},${height}`, class: 'area' }),
    svgElement('polyline', { points: points.join(' '), class: 'line' }),
  );
  markData(svg, values);
}
