// The bulletins' charts as SVG strings, rendered server-side by Apache ECharts (SSR, no DOM): the gap
// waterfall, rank trajectories, the indicator-rank heat map and the robustness intervals.
import { CustomChart, HeatmapChart, LineChart, ScatterChart } from 'echarts/charts';
import { GridComponent, LegendComponent, MarkLineComponent, VisualMapComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { SVGRenderer } from 'echarts/renderers';

echarts.use([
  CustomChart,
  HeatmapChart,
  LineChart,
  ScatterChart,
  GridComponent,
  LegendComponent,
  MarkLineComponent,
  VisualMapComponent,
  SVGRenderer,
]);

/** The page's font stack, also used inside the SVGs so that CJK text renders with the same glyphs. */
export const FONT_STACK =
  '"Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", sans-serif';

export const COLOURS = {
  behind: '#c0392b', // contributions that widen the gap
  ahead: '#27864a', // where the entity beats the other
  total: '#34495e',
  line: ['#c0392b', '#2c7fb8', '#e6a100', '#7b4ea3', '#27864a', '#d95f0e', '#636363', '#1b9e77'],
  heat: ['#1a9850', '#91cf60', '#fee08b', '#fc8d59', '#d73027'],
};

type Option = Parameters<echarts.ECharts['setOption']>[0];

function render(width: number, height: number, option: Option): string {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width, height });
  chart.setOption({ animation: false, textStyle: { fontFamily: FONT_STACK, fontSize: 12 }, ...option });
  // zrender numbers its instances (zr0-, zr1-, …) across the process: ids and classes are renamed per
  // page by the caller, so the same bulletin renders to the same bytes (its hash is published).
  // Class and id counters run on across instances too: each name is renumbered in order of appearance.
  const seen = new Map<string, string>();
  const svg = chart.renderToSVGString().replace(/\bzr\d+-([a-z]+-?)(\d+)/g, (name: string, kind: string) => {
    let renamed = seen.get(name);
    if (!renamed) {
      renamed = `ec-${kind}${seen.size}`;
      seen.set(name, renamed);
    }
    return renamed;
  });
  chart.dispose();
  return svg;
}

const fixed = (x: number, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : '—');

export interface WaterfallData {
  /** One label per bar, top to bottom; the last bar is the total. */
  labels: string[];
  /** Contributions C_j (the total bar excluded). */
  values: number[];
  totalLabel: string;
  width?: number;
}

/**
 * Horizontal waterfall: each contribution a step from the running sum before it to the one after, then the
 * total from 0 (custom series, so steps may cross zero, which stacked bars cannot show).
 */
export function waterfallSvg(w: WaterfallData): string {
  const rows: [number, number, number, number][] = []; // [row, start, end, value]
  let cum = 0;
  w.values.forEach((v, i) => {
    rows.push([i, cum, cum + v, v]);
    cum += v;
  });
  const total: [number, number, number, number] = [w.values.length, 0, cum, cum];
  const rowHeight = 26;
  const height = 60 + rowHeight * (w.values.length + 1);
  const bar = (colour: (v: number) => string) => ({
    type: 'custom' as const,
    renderItem: (
      _params: unknown,
      api: { value(i: number): number; coord(p: number[]): number[]; size(p: number[]): number[] },
    ) => {
      const row = api.value(0);
      const a = api.coord([api.value(1), row]);
      const b = api.coord([api.value(2), row]);
      const h = api.size([0, 1])[1]! * 0.62;
      const x = Math.min(a[0]!, b[0]!);
      const v = api.value(3);
      return {
        type: 'rect',
        shape: { x, y: a[1]! - h / 2, width: Math.max(1, Math.abs(b[0]! - a[0]!)), height: h },
        style: { fill: colour(v) },
        textContent: { style: { text: `${v > 0 ? '+' : ''}${fixed(v)}`, fill: '#1f2328', fontSize: 11 } },
        textConfig: { position: 'right', distance: 4 },
      };
    },
    encode: { x: [1, 2], y: 0 },
  });
  return render(w.width ?? 720, height, {
    grid: {
      left: 8,
      right: 56,
      top: 16,
      bottom: 28,
      outerBoundsMode: 'same',
      outerBoundsContain: 'axisLabel',
    },
    xAxis: { type: 'value', axisLabel: { formatter: (v: number) => fixed(v, 1) } },
    yAxis: {
      type: 'category',
      inverse: true,
      data: [...w.labels, w.totalLabel],
      axisLabel: { width: 200, overflow: 'truncate' },
    },
    series: [
      { ...bar((v) => (v >= 0 ? COLOURS.behind : COLOURS.ahead)), name: 'steps', data: rows },
      { ...bar(() => COLOURS.total), name: 'total', data: [total] },
    ],
  });
}

export interface TrajectoryData {
  periods: string[];
  /** Lines: the first is drawn heavier (overall). */
  lines: { name: string; ranks: (number | null)[] }[];
  depth: number;
  width?: number;
}

/** Rank per period, rank 1 at the top. */
export function trajectorySvg(t: TrajectoryData): string {
  return render(t.width ?? 720, 340, {
    color: COLOURS.line,
    legend: { top: 0, left: 'center', itemWidth: 18, textStyle: { fontSize: 11 } },
    grid: {
      left: 8,
      right: 24,
      top: 56,
      bottom: 24,
      outerBoundsMode: 'same',
      outerBoundsContain: 'axisLabel',
    },
    // Points in the middle of their period's band, so the first one's label stays clear of the rank axis.
    xAxis: { type: 'category', data: t.periods, boundaryGap: true },
    // Every rank a tick up to 20 entities (1, 2, … 14 for Gansu's cities; ECharts' own pick was 1, 3, 6, 9, …
    // with the 3 drawn beside the 1 and over the first point's label); beyond, ECharts chooses.
    yAxis: {
      type: 'value',
      inverse: true,
      min: 1,
      max: Math.max(2, t.depth),
      minInterval: 1,
      ...(t.depth <= 20 ? { interval: 1 } : {}),
    },
    series: t.lines.map((l, i) => ({
      type: 'line',
      name: l.name,
      data: l.ranks,
      showSymbol: true,
      symbolSize: i === 0 ? 8 : 5,
      lineStyle: { width: i === 0 ? 3.5 : 1.5 },
      z: i === 0 ? 3 : 2,
      // The focus line's ranks on a light backing, so a topic line passing behind a label leaves it readable.
      label:
        i === 0
          ? {
              show: true,
              position: 'top',
              fontWeight: 'bold',
              backgroundColor: 'rgba(255,255,255,0.85)',
              padding: [0, 2],
            }
          : { show: false },
    })),
  });
}

export interface HeatmapData {
  columns: string[];
  rows: string[];
  /** ranks[row][column], null where unranked. */
  ranks: (number | null)[][];
  depth: number;
  /** Column to mark (the focus entity). */
  highlight?: number[];
  width?: number;
}

/** Indicator ranks × entities: green for rank 1, red for the last rank, the rank written in each cell. */
export function heatmapSvg(h: HeatmapData): string {
  const cellHeight = h.rows.length > 60 ? 14 : 22;
  const height = 130 + cellHeight * h.rows.length;
  const data: [number, number, number | '-'][] = [];
  h.ranks.forEach((row, i) => {
    row.forEach((r, k) => {
      data.push([k, i, r ?? '-']);
    });
  });
  const highlight = new Set(h.highlight ?? []);
  return render(h.width ?? 720, height, {
    grid: { left: 8, right: 8, top: 8, bottom: 64, outerBoundsMode: 'same', outerBoundsContain: 'axisLabel' },
    xAxis: {
      type: 'category',
      data: h.columns,
      position: 'bottom',
      axisLabel: {
        interval: 0,
        rotate: h.columns.length > 8 ? 40 : 0,
        fontSize: 11,
        formatter: (v: string, k: number) => (highlight.has(k) ? `▶${v}` : v),
      },
      splitArea: { show: false },
    },
    yAxis: {
      type: 'category',
      inverse: true,
      data: h.rows,
      axisLabel: { interval: 0, fontSize: cellHeight < 20 ? 9 : 11, width: 190, overflow: 'truncate' },
    },
    visualMap: {
      type: 'continuous',
      min: 1,
      max: Math.max(2, h.depth),
      calculable: false,
      orient: 'horizontal',
      left: 'center',
      bottom: 0,
      itemHeight: 160,
      itemWidth: 10,
      text: [String(Math.max(2, h.depth)), '1'],
      inRange: { color: COLOURS.heat },
    },
    series: [
      {
        type: 'heatmap',
        data,
        label: { show: cellHeight >= 20, fontSize: 10 },
        itemStyle: { borderColor: '#fff', borderWidth: 1 },
      },
    ],
  });
}

export interface RobustnessData {
  entities: string[];
  /** Per entity [p05, median, p95, declared rank]. */
  intervals: [number, number, number, number][];
  depth: number;
  /** Legend names of the interval, the median and the declared rank. */
  names: [string, string, string];
  width?: number;
}

/** Each entity's 5–95% rank interval (bar), median (dot) and declared rank (diamond); rank 1 at the left. */
export function robustnessSvg(r: RobustnessData): string {
  const rowHeight = 22;
  const height = 70 + rowHeight * r.entities.length;
  return render(r.width ?? 720, height, {
    grid: {
      left: 8,
      right: 24,
      top: 28,
      bottom: 24,
      outerBoundsMode: 'same',
      outerBoundsContain: 'axisLabel',
    },
    legend: { top: 0, left: 'center', textStyle: { fontSize: 11 } },
    xAxis: { type: 'value', min: 1, max: Math.max(2, r.depth), minInterval: 1 },
    yAxis: { type: 'category', inverse: true, data: r.entities, axisLabel: { interval: 0 } },
    series: [
      {
        type: 'custom',
        name: r.names[0],
        color: '#9ecae1',
        renderItem: (
          _params: unknown,
          api: { value(i: number): number; coord(p: number[]): number[]; size(p: number[]): number[] },
        ) => {
          const row = api.value(0);
          const a = api.coord([api.value(1), row]);
          const b = api.coord([api.value(2), row]);
          const h = api.size([0, 1])[1]! * 0.45;
          return {
            type: 'rect',
            shape: { x: a[0]! - 4, y: a[1]! - h / 2, width: Math.max(8, b[0]! - a[0]! + 8), height: h, r: 3 },
            style: { fill: '#9ecae1' },
          };
        },
        encode: { x: [1, 2], y: 0 },
        data: r.intervals.map(([lo, , hi], i) => [i, lo, hi]),
      },
      {
        type: 'scatter',
        name: r.names[1],
        color: '#08519c',
        symbolSize: 9,
        data: r.intervals.map(([, med], i) => [med, i]),
      },
      {
        type: 'scatter',
        name: r.names[2],
        color: COLOURS.behind,
        symbol: 'diamond',
        symbolSize: 8,
        data: r.intervals.map(([, , , rank], i) => [rank, i]),
      },
    ],
  });
}
