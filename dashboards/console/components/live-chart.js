import uPlot from '/vendor/uplot/uPlot.esm.js';
import { el } from '../dom.js';

const MIN_SPAN_SECONDS = 60;

/**
 * A uPlot time series fed one aggregates snapshot at a time. The x axis ends at the latest
 * second and spans up to `windowSeconds`, so the chart moves every second even when the
 * values stay flat.
 *
 * series: [{ label, colour, value: (snapshot) => number, scale?: 'y' | 'y2', format?: (n) => string }]
 */
export function liveChart({ title, series, windowSeconds, yRange, y2, height = 190 }) {
  const plotArea = el('div', { class: 'chart-plot' });
  const element = el('figure', { class: 'chart' }, el('figcaption', { class: 'chart-title' }, title), plotArea);
  const data = [[], ...series.map(() => [])];
  let plot;

  const axisValues = (format) => (u, splits) => splits.map((v) => (v === null ? '' : format ? format(v) : String(v)));
  const options = (width) => ({
    width,
    height,
    legend: { live: true },
    cursor: { drag: { x: false, y: false } },
    scales: {
      // At least a minute wide, growing to the whole window: a fresh chart is not a sliver at the right edge.
      x: { time: true, range: (u, min, max) => [max - Math.min(windowSeconds, Math.max(MIN_SPAN_SECONDS, max - min)), max] },
      y: { range: yRange ?? ((u, min, max) => [0, Math.max(1, max * 1.15)]) },
      ...(y2 ? { y2: { range: y2.range ?? ((u, min, max) => [0, Math.max(1, max * 1.15)]) } } : {}),
    },
    axes: [
      { stroke: '#5b6474', grid: { stroke: '#eceff3' }, ticks: { stroke: '#dfe3e8' }, space: 80, values: clockLabels },
      { stroke: '#5b6474', grid: { stroke: '#eceff3' }, ticks: { stroke: '#dfe3e8' }, size: 70, values: axisValues(series[0]?.format) },
      ...(y2 ? [{ scale: 'y2', side: 1, stroke: '#5b6474', grid: { show: false }, size: 70, values: axisValues(y2.format) }] : []),
    ],
    series: [
      { label: 'Time', value: (u, ts) => (ts === null || ts === undefined ? '—' : clock(ts, true)) },
      ...series.map((s) => ({
        label: s.label,
        stroke: s.colour,
        width: 2,
        scale: s.scale ?? 'y',
        fill: s.fill,
        points: { show: false },
        value: (u, v) => (v === null || v === undefined ? '—' : s.format ? s.format(v) : String(v)),
      })),
    ],
  });

  const mount = () => {
    if (plot || !element.isConnected) return;
    plot = new uPlot(options(Math.max(280, plotArea.clientWidth)), data, plotArea);
    redraw();
  };
  const resizer = new ResizeObserver(() => {
    if (!plot) return mount();
    const width = Math.max(280, plotArea.clientWidth);
    if (width !== plot.width) plot.setSize({ width, height });
  });
  resizer.observe(plotArea);

  /** Not hovering: the legend shows the latest second instead of dashes. */
  const redraw = () => {
    if (!plot) return;
    plot.setData(data);
    element.dataset.points = String(data[0].length);
    if (!(plot.cursor.left >= 0) && data[0].length > 0) plot.setLegend({ idx: data[0].length - 1 });
  };

  const add = (snapshot) => {
    const t = Date.parse(snapshot.at) / 1000;
    if (!Number.isFinite(t)) return;
    const last = data[0][data[0].length - 1];
    if (last !== undefined && t <= last) return;
    data[0].push(t);
    series.forEach((s, i) => {
      const v = s.value(snapshot);
      data[i + 1].push(Number.isFinite(v) ? v : null);
    });
    const excess = data[0].length - windowSeconds;
    if (excess > 0) for (const column of data) column.splice(0, excess);
  };

  return {
    element,
    /** Draws once the element is in the document (uPlot needs its width). */
    mount,
    load(history) {
      for (const snapshot of history) add(snapshot);
      redraw();
    },
    push(snapshot) {
      add(snapshot);
      redraw();
    },
    destroy() {
      resizer.disconnect();
      plot?.destroy();
      plot = undefined;
    },
  };
}

const pad = (n) => String(n).padStart(2, '0');

/** 24-hour clock labels: "14:05", or "14:05:30" between whole minutes. */
function clockLabels(u, splits) {
  return splits.map((s) => (s === null ? '' : clock(s, false)));
}

function clock(seconds, alwaysSeconds) {
  const d = new Date(seconds * 1000);
  const withSeconds = alwaysSeconds || d.getSeconds() !== 0;
  return `${pad(d.getHours())}:${pad(d.getMinutes())}${withSeconds ? `:${pad(d.getSeconds())}` : ''}`;
}
