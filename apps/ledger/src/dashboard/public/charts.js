// Small SVG charts drawn with the DOM: no library, no inline styles (colours come from CSS classes).

const SVG_NS = 'http://www.w3.org/2000/svg';
const MARGIN = { top: 16, right: 12, bottom: 30, left: 68 };

function node(name, attributes = {}, text) {
  const element = document.createElementNS(SVG_NS, name);
  for (const [attribute, value] of Object.entries(attributes)) element.setAttribute(attribute, String(value));
  if (text !== undefined) element.textContent = text;
  return element;
}

/** Rounds a maximum up to a whole number of steps, each 1, 2 or 5 times a power of ten. */
export function niceScale(max, { ticks = 4, floor = 1, integer = false } = {}) {
  const rough = Math.max(max, floor) / ticks;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  let step = [1, 2, 5, 10].map((multiple) => multiple * magnitude).find((candidate) => candidate >= rough);
  if (integer) step = Math.max(1, Math.ceil(step));
  return { step, top: Math.ceil(Math.max(max, floor) / step) * step };
}

/** Clears the chart and draws its value axis; answers where the plot area lies and how values map to y. */
function frame(svg, { values, floor, integer, formatTick }) {
  svg.replaceChildren();
  const [, , width, height] = svg.getAttribute('viewBox').split(' ').map(Number);
  const plot = { left: MARGIN.left, right: width - MARGIN.right, top: MARGIN.top, bottom: height - MARGIN.bottom };
  const { step, top } = niceScale(Math.max(0, ...values), { floor, integer });
  const y = (value) => plot.bottom - (value / top) * (plot.bottom - plot.top);
  const axis = node('g', { class: 'y-axis' });
  for (let tick = 0; tick <= top; tick += step) {
    axis.append(node('line', { class: 'grid', x1: plot.left, x2: plot.right, y1: y(tick), y2: y(tick) }));
    axis.append(node('text', { x: plot.left - 8, y: y(tick) + 4, 'text-anchor': 'end' }, formatTick(tick, step)));
  }
  axis.append(node('line', { class: 'axis', x1: plot.left, x2: plot.right, y1: plot.bottom, y2: plot.bottom }));
  svg.append(axis);
  return { plot, y };
}

/** Category labels under the plot, thinned so that they never overlap. */
function categoryAxis(svg, plot, categories, slot, maxLabels) {
  const every = Math.max(1, Math.ceil(categories.length / maxLabels));
  const axis = node('g', { class: 'x-axis' });
  categories.forEach((category, index) => {
    if (index % every !== 0) return;
    const x = plot.left + slot * (index + 0.5);
    axis.append(node('text', { x, y: plot.bottom + 18, 'text-anchor': 'middle' }, category.label));
  });
  svg.append(axis);
}

function emptyChart(svg, message) {
  svg.replaceChildren();
  const [, , width, height] = svg.getAttribute('viewBox').split(' ').map(Number);
  svg.append(node('text', { class: 'empty', x: width / 2, y: height / 2, 'text-anchor': 'middle' }, message));
}

/**
 * Bars side by side for each category, one per series. Every category gets every bar (a zero is a bar of no
 * height), so the count of bars is categories x series; hovering a category shows its figures.
 */
export function groupedBarChart(
  svg,
  { categories, series, value, formatValue, formatTick, floor, integer, maxLabels, valueLabels },
) {
  if (categories.length === 0) return emptyChart(svg, 'Nothing to show');
  const values = categories.flatMap((_, index) => series.map((_, serie) => value(index, serie)));
  const { plot, y } = frame(svg, { values, floor, integer, formatTick });
  const slot = (plot.right - plot.left) / categories.length;
  const groupWidth = slot * (categories.length > 31 ? 0.9 : 0.78);
  const barWidth = groupWidth / series.length;
  const bars = node('g', { class: 'bars' });
  categories.forEach((category, index) => {
    const group = node('g', { class: 'slot', 'data-category': category.key });
    const figures = series.map((serie, serieIndex) => `${serie.label}: ${formatValue(value(index, serieIndex))}`);
    group.append(node('title', {}, [category.title, ...figures].join('\n')));
    group.append(
      node('rect', {
        class: 'hit',
        x: plot.left + slot * index,
        y: plot.top,
        width: slot,
        height: plot.bottom - plot.top,
      }),
    );
    series.forEach((serie, serieIndex) => {
      const amount = value(index, serieIndex);
      // A figure too small to see still gets a sliver, so that "not zero" stays visible.
      const height = amount > 0 ? Math.max(1, plot.bottom - y(amount)) : 0;
      const x = plot.left + slot * index + (slot - groupWidth) / 2 + barWidth * serieIndex;
      group.append(
        node('rect', {
          class: `bar ${serie.className}`,
          'data-series': serie.key,
          'data-value': amount,
          x: x.toFixed(2),
          y: (plot.bottom - height).toFixed(2),
          width: Math.max(0.5, barWidth - (barWidth > 6 ? 2 : 0.6)).toFixed(2),
          height: height.toFixed(2),
        }),
      );
      if (valueLabels) {
        const label = node(
          'text',
          {
            class: 'value',
            x: (x + barWidth / 2).toFixed(2),
            y: (plot.bottom - height - 4).toFixed(2),
            'text-anchor': 'middle',
          },
          formatValue(amount),
        );
        group.append(label);
      }
    });
    bars.append(group);
  });
  svg.append(bars);
  categoryAxis(svg, plot, categories, slot, maxLabels);
}

/** One series as a line over a shaded area, with a point per category, aligned with groupedBarChart's slots. */
export function lineChart(svg, { categories, values, serie, formatValue, formatTick, floor, maxLabels }) {
  if (categories.length === 0) return emptyChart(svg, 'Nothing to show');
  const { plot, y } = frame(svg, { values, floor, formatTick });
  const slot = (plot.right - plot.left) / categories.length;
  const points = values.map((amount, index) => [plot.left + slot * (index + 0.5), y(Math.max(0, amount))]);
  const line = points.map(([x, top]) => `${x.toFixed(2)},${top.toFixed(2)}`).join(' ');
  const first = points[0][0].toFixed(2);
  const last = points[points.length - 1][0].toFixed(2);
  svg.append(
    node('path', {
      class: `area ${serie.className}`,
      d: `M${first},${plot.bottom} L${line.replaceAll(' ', ' L')} L${last},${plot.bottom} Z`,
    }),
  );
  svg.append(node('polyline', { class: `line ${serie.className}`, points: line }));
  const markers = node('g', { class: 'points' });
  categories.forEach((category, index) => {
    const group = node('g', { class: 'slot', 'data-category': category.key });
    group.append(node('title', {}, `${category.title}\n${serie.label}: ${formatValue(values[index])}`));
    group.append(
      node('rect', {
        class: 'hit',
        x: plot.left + slot * index,
        y: plot.top,
        width: slot,
        height: plot.bottom - plot.top,
      }),
    );
    const [x, top] = points[index];
    group.append(
      node('circle', {
        class: `point ${serie.className}`,
        'data-value': values[index],
        cx: x.toFixed(2),
        cy: top.toFixed(2),
        r: categories.length > 60 ? 2 : 3,
      }),
    );
    markers.append(group);
  });
  svg.append(markers);
  categoryAxis(svg, plot, categories, slot, maxLabels);
}

export function clearChart(svg) {
  svg.replaceChildren();
}
