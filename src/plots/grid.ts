/**
 * Small-multiples layout: panels in a grid, each with its own x/y axes, and a title above each
 * panel. Plotly's `layout.grid` cannot title panels, so domains are computed here.
 */
import { COLORS, plotText } from "./theme.js";

export interface Panel {
  /** Trace axis references, e.g. "x2" / "y2". */
  xref: string;
  yref: string;
  /** Layout keys, e.g. "xaxis2" / "yaxis2". */
  xaxis: string;
  yaxis: string;
  xdomain: [number, number];
  ydomain: [number, number];
  row: number;
  col: number;
}

/**
 * Panel positions for `n` panels in `cols` columns (row-major, top row first).
 *
 * @example
 * const panels = panelGrid(4, 2); // 2×2: panels[3].xref === "x4"
 */
export function panelGrid(n: number, cols: number, gap: { x?: number; y?: number } = {}): Panel[] {
  const c = Math.max(1, Math.min(cols, n));
  const rows = Math.max(1, Math.ceil(n / c));
  const gx = c > 1 ? (gap.x ?? 0.07) : 0;
  const gy = rows > 1 ? (gap.y ?? Math.min(0.14, 0.4 / rows)) : 0;
  const w = (1 - gx * (c - 1)) / c;
  const h = (1 - gy * (rows - 1)) / rows;
  const out: Panel[] = [];
  for (let i = 0; i < n; i++) {
    const row = Math.floor(i / c);
    const col = i % c;
    const x0 = col * (w + gx);
    const y1 = 1 - row * (h + gy);
    const k = i === 0 ? "" : String(i + 1);
    out.push({ xref: `x${k}`, yref: `y${k}`, xaxis: `xaxis${k}`, yaxis: `yaxis${k}`, xdomain: [x0, x0 + w], ydomain: [y1 - h, y1], row, col });
  }
  return out;
}

/**
 * Annotation placing a title above a panel (escaped by the caller), with an optional second,
 * lighter line (`detail`) so that a long title does not run into the next panel's.
 *
 * @example
 * panelTitle(panels[0], "learning_rate");
 * panelTitle(panels[1], "criteo1tb", "fastest median 1.4 h");
 */
export function panelTitle(p: Panel, text: string, detail?: string): Record<string, unknown> {
  return {
    text: detail === undefined ? `<b>${text}</b>` : `<b>${text}</b><br><span style="font-size:11px;color:${COLORS.muted}">${detail}</span>`,
    xref: "paper",
    yref: "paper",
    x: (p.xdomain[0] + p.xdomain[1]) / 2,
    y: p.ydomain[1],
    xanchor: "center",
    yanchor: "bottom",
    yshift: 4,
    showarrow: false,
    font: { size: 13, color: COLORS.text },
  };
}

/**
 * A footnote line under the plot area (e.g. a finding's message), escaped here.
 *
 * @example
 * footnote("3 trials missing learning_rate were not drawn");
 */
export function footnote(text: string, y = -0.12, width = 140): Record<string, unknown> {
  return {
    text: wrapText(plotText(text), width),
    xref: "paper",
    yref: "paper",
    x: 0,
    y,
    xanchor: "left",
    yanchor: "top",
    showarrow: false,
    align: "left",
    font: { size: 11, color: COLORS.muted },
  };
}

/**
 * Wrap long text onto several lines (plotly has no automatic wrapping) with `<br>`.
 *
 * @example
 * wrapText("a long sentence …", 60);
 */
export function wrapText(text: string, width = 100): string {
  // Lines already broken (`<br>`) are wrapped each on its own: wrapping text twice must not
  // count a break as part of a word and cut the next line short.
  const lines: string[] = [];
  for (const segment of text.split("<br>")) {
    let cur = "";
    for (const w of segment.split(/\s+/)) {
      if (!w) continue;
      if (cur && cur.length + 1 + w.length > width) {
        lines.push(cur);
        cur = w;
      } else cur = cur ? `${cur} ${w}` : w;
    }
    lines.push(cur);
  }
  return lines.join("<br>");
}

/** Deterministic jitter in [-1, 1] from a string (so figures are reproducible). */
export function jitter(key: string): number {
  let h = 2166136261;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  // murmur3 finalizer: keys that differ only in their last character still land far apart.
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return ((h >>> 0) / 4294967295) * 2 - 1;
}
