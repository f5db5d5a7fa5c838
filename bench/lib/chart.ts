/**
 * The results as one SVG a person can read: a horizontal bar panel per measure, each bar labelled with its value,
 * and the target (when there is one) drawn as a dashed line. Rendered headless with Vega's SVG renderer (no canvas).
 */
import { parse, View, type Spec } from 'vega';

export interface Bar {
  label: string;
  value: number;
  /** Colour group: cxgraph, direct (the limit), peer (Mesh). */
  kind: 'cxgraph' | 'direct' | 'peer' | 'other';
}

export interface Panel {
  title: string;
  bars: Bar[];
  /** A target line; `better` says which side of it is good (for the caption). */
  target?: { value: number; label: string };
}

const WIDTH = 560;
const LEFT = 220;
const BAR = 22;
const PANEL_GAP = 70;
const COLORS = { cxgraph: '#2f6fde', direct: '#8a8f98', peer: '#e07b39', other: '#6b9e5a' };

export async function renderChart(title: string, subtitle: string, panels: Panel[]): Promise<string> {
  let y = 0;
  const groups = panels.map((p, i) => {
    const height = Math.max(1, p.bars.length) * BAR;
    const top = y;
    y += height + PANEL_GAP;
    const max = Math.max(...p.bars.map((b) => (Number.isFinite(b.value) ? b.value : 0)), p.target?.value ?? 0) * 1.18 || 1;
    return {
      type: 'group',
      name: `panel${i}`,
      encode: { enter: { x: { value: 0 }, y: { value: top }, width: { value: WIDTH }, height: { value: height } } },
      data: [
        {
          name: 'bars',
          values: p.bars.map((b) => ({ ...b, value: Number.isFinite(b.value) ? b.value : 0, text: Number.isFinite(b.value) ? fmt(b.value) : 'n/a' })),
        },
        { name: 'target', values: p.target ? [p.target] : [] },
      ],
      scales: [
        // Explicit ranges: inside a group, 'width' and 'height' would name the whole chart's size.
        { name: 'x', type: 'linear', domain: [0, max], range: [0, WIDTH], nice: false, zero: true },
        { name: 'y', type: 'band', domain: { data: 'bars', field: 'label' }, range: [0, height], padding: 0.2 },
      ],
      axes: [
        { orient: 'left', scale: 'y', domain: false, ticks: false, labelPadding: 6, labelLimit: 210 },
        { orient: 'bottom', scale: 'x', tickCount: 5, labelFlush: true },
      ],
      marks: [
        {
          type: 'text',
          encode: { enter: { x: { value: 10 - LEFT }, y: { value: -24 }, text: { value: p.title }, fontSize: { value: 13 }, fontWeight: { value: 'bold' } } },
        },
        {
          type: 'rect',
          from: { data: 'bars' },
          encode: {
            enter: {
              x: { scale: 'x', value: 0 },
              x2: { scale: 'x', field: 'value' },
              y: { scale: 'y', field: 'label' },
              height: { scale: 'y', band: 1 },
              fill: {
                signal: `datum.kind === 'cxgraph' ? '${COLORS.cxgraph}' : datum.kind === 'direct' ? '${COLORS.direct}' : datum.kind === 'peer' ? '${COLORS.peer}' : '${COLORS.other}'`,
              },
            },
          },
        },
        {
          type: 'text',
          from: { data: 'bars' },
          encode: {
            enter: {
              x: { scale: 'x', field: 'value', offset: 4 },
              y: { scale: 'y', field: 'label', band: 0.5 },
              baseline: { value: 'middle' },
              text: { field: 'text' },
              fontSize: { value: 11 },
              fill: { value: '#222' },
            },
          },
        },
        {
          type: 'rule',
          from: { data: 'target' },
          encode: {
            enter: {
              x: { scale: 'x', field: 'value' },
              y: { value: -4 },
              y2: { value: height + 4 },
              stroke: { value: '#c0392b' },
              strokeWidth: { value: 1.5 },
              strokeDash: { value: [5, 3] },
            },
          },
        },
        {
          type: 'text',
          from: { data: 'target' },
          encode: {
            enter: {
              x: { scale: 'x', field: 'value', offset: 3 },
              y: { value: -6 },
              text: { field: 'label' },
              fontSize: { value: 10 },
              fill: { value: '#c0392b' },
            },
          },
        },
      ],
    };
  });
  const spec = {
    $schema: 'https://vega.github.io/schema/vega/v6.json',
    width: WIDTH,
    height: Math.max(0, y - PANEL_GAP),
    padding: { left: LEFT, right: 70, top: 110, bottom: 20 },
    autosize: 'none',
    background: 'white',
    marks: [
      // Title and key as plain text in the top padding (a Vega title would be placed against the plot, not the page).
      {
        type: 'text',
        encode: { enter: { x: { value: 10 - LEFT }, y: { value: -88 }, text: { value: title }, fontSize: { value: 16 }, fontWeight: { value: 'bold' } } },
      },
      {
        type: 'text',
        encode: { enter: { x: { value: 10 - LEFT }, y: { value: -70 }, text: { value: subtitle }, fontSize: { value: 11 }, fill: { value: '#444' } } },
      },
      {
        type: 'text',
        encode: {
          enter: {
            x: { value: 10 - LEFT },
            y: { value: -54 },
            text: { value: 'grey: direct calls (the limit) · blue: cxgraph · orange: GraphQL Mesh + Hive Gateway · dashed red: target' },
            fontSize: { value: 11 },
            fill: { value: '#444' },
          },
        },
      },
      ...groups,
    ],
  } as unknown as Spec;
  const view = new View(parse(spec), { renderer: 'none' });
  return view.toSVG();
}

function fmt(v: number): string {
  if (Number.isInteger(v)) return v.toLocaleString('en-US');
  if (v >= 1000) return Math.round(v).toLocaleString('en-US');
  if (v >= 100) return v.toFixed(0);
  if (v >= 10) return v.toFixed(1);
  return v.toFixed(2);
}
