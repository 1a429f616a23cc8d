import uPlot from '/vendor/uplot/uPlot.esm.js';
import { el } from '../dom.js';

/**
 * A uPlot chart of a finished time series (one value per bucket), drawn as bars that
 * overlap: a later series is drawn over an earlier one, so a part (declines) shows inside
 * its whole (payments). Axes and colours as the live charts of the overview.
 *
 * series: [{ label, colour, fill, format?: (n) => string }]
 */
export function seriesChart({ title, series, height = 220 }) {
  const plotArea = el('div', { class: 'chart-plot' });
  const element = el('figure', { class: 'chart' }, el('figcaption', { class: 'chart-title' }, title), plotArea);
  let data = [[], ...series.map(() => [])];
  let bucketSeconds = 3600;
  let plot;

  const bars = uPlot.paths.bars({ size: [0.7, 48], align: 0 });
  const options = (width) => ({
    width,
    height,
    legend: { live: true },
    cursor: { drag: { x: false, y: false } },
    scales: {
      // Half a bucket either side, so the first and last bars are whole.
      x: { time: true, range: (u, min, max) => [min - bucketSeconds / 2, max + bucketSeconds / 2] },
      y: { range: (u, min, max) => [0, Math.max(1, max * 1.15)] },
    },
    axes: [
      { stroke: '#5b6474', grid: { stroke: '#eceff3' }, ticks: { stroke: '#dfe3e8' }, space: 70, values: (u, splits) => splits.map(tickLabel) },
      { stroke: '#5b6474', grid: { stroke: '#eceff3' }, ticks: { stroke: '#dfe3e8' }, size: 60, values: (u, splits) => splits.map((v) => (Number.isInteger(v) ? String(v) : '')) },
    ],
    series: [
      { label: 'Bucket', value: (u, ts) => (ts === null || ts === undefined ? '—' : bucketLabel(ts, bucketSeconds)) },
      ...series.map((s) => ({
        label: s.label,
        stroke: s.colour,
        fill: s.fill ?? s.colour,
        width: 1,
        paths: bars,
        points: { show: false },
        // Empty buckets are drawn as nothing (null), but they did count zero.
        value: (u, v) => (s.format ? s.format(v ?? 0) : String(v ?? 0)),
      })),
    ],
    // Not hovering: the legend shows the latest bucket instead of dashes.
    hooks: { ready: [(u) => data[0].length > 0 && u.setLegend({ idx: data[0].length - 1 })] },
  });

  const draw = () => {
    if (!element.isConnected) return;
    plot?.destroy();
    plot = new uPlot(options(Math.max(280, plotArea.clientWidth)), drawn(data), plotArea);
  };
  const resizer = new ResizeObserver(() => {
    if (!plot) return draw();
    const width = Math.max(280, plotArea.clientWidth);
    if (width !== plot.width) plot.setSize({ width, height });
  });
  resizer.observe(plotArea);

  return {
    element,
    /**
     * Replaces the data: `times` in unix seconds (bucket starts), `columns` one array per
     * series. The element carries the number of buckets and each series' total, for tests.
     */
    load(times, columns, bucket) {
      bucketSeconds = bucket;
      data = [times, ...columns];
      element.dataset.points = String(times.length);
      element.dataset.totals = columns.map((c) => c.reduce((a, v) => a + (v ?? 0), 0)).join(',');
      draw();
    },
    destroy() {
      resizer.disconnect();
      plot?.destroy();
      plot = undefined;
    },
  };
}

const pad = (n) => String(n).padStart(2, '0');

/** Zero-height bars would still draw their outline along the axis: zeros become gaps. */
const drawn = ([times, ...columns]) => [times, ...columns.map((c) => c.map((v) => (v ? v : null)))];

/** 24-hour ticks: the date at midnight ("11-26"), the hour otherwise ("14:00"), local time. */
function tickLabel(seconds) {
  if (seconds === null) return '';
  const d = new Date(seconds * 1000);
  return d.getHours() === 0 && d.getMinutes() === 0 ? `${pad(d.getMonth() + 1)}-${pad(d.getDate())}` : `${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** "2025-03-12 14:00" for an hour, "2025-03-12" for a day (local time). */
function bucketLabel(seconds, bucketSeconds) {
  const d = new Date(seconds * 1000);
  const date = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
  return bucketSeconds >= 86_400 ? date : `${date} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}
