/**
 * Batch size (playbook: "Choosing the batch size"): training throughput per batch size until it
 * stops growing or runs out of memory, and optionally steps-to-result against perfect scaling.
 */
import type { BatchSizeScalingResult, BatchSizeScanResult } from "../analysis/batchSize.js";
import { wrapText } from "./grid.js";
import { COLORS, type Figure, type FigureOptions, type Trace, applyOptions, axisLayout, baseLayout, count, formatValue, plotText, MAX_FIGURE_WIDTH } from "./theme.js";

function pow2Ticks(values: number[]): number[] {
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const t: number[] = [];
  for (let k = Math.floor(Math.log2(lo)); k <= Math.ceil(Math.log2(hi)); k++) t.push(2 ** k);
  return t;
}

/**
 * Throughput (examples/s) vs batch size on a log2 axis, with perfect linear scaling from the
 * smallest batch dashed, OOM batch sizes as red X on the bottom edge, the plateau marked and the
 * recommended batch size starred; with a scaling result, a second panel of steps-to-result
 * against the perfect-scaling line (steps halve when the batch doubles).
 *
 * @example
 * const fig = batchSizeFigure(batchSizeScan(points), batchSizeScaling(steps));
 */
export function batchSizeFigure(scan: BatchSizeScanResult, scaling?: BatchSizeScalingResult, options: FigureOptions = {}): Figure {
  const ok = scan.points.filter((p) => !p.oom && p.examplesPerSec !== null && Number.isFinite(p.examplesPerSec));
  const oom = scan.points.filter((p) => p.oom || p.examplesPerSec === null);
  const maxT = Math.max(1, ...ok.map((p) => p.examplesPerSec as number));
  const data: Trace[] = [
    {
      type: "scatter",
      mode: "lines+markers",
      name: "measured throughput",
      x: ok.map((p) => p.batchSize),
      y: ok.map((p) => p.examplesPerSec),
      marker: { color: COLORS.feasible, size: 10 },
      line: { color: COLORS.feasible, width: 2.5 },
      text: ok.map((p) => `batch ${p.batchSize}: ${formatValue(p.examplesPerSec)} examples/s${p.gain !== null ? `<br>gain ${Math.round(p.gain * 100)}% (perfect: ${Math.round((p.idealGain ?? 0) * 100)}%)` : ""}${p.timePerStep !== null ? `<br>${formatValue(p.timePerStep)} s/step` : ""}`),
      hoverinfo: "text",
    },
  ];
  if (ok.length) {
    const b0 = ok[0]!;
    const xs = [b0.batchSize, Math.max(...scan.points.map((p) => p.batchSize))];
    data.push({ type: "scatter", mode: "lines", name: "perfect scaling (×2 batch = ×2 throughput)", x: xs, y: xs.map((b) => ((b0.examplesPerSec as number) * b) / b0.batchSize), line: { color: COLORS.muted, dash: "dash", width: 1.5 }, hoverinfo: "skip" });
  }
  data.push({ type: "scatter", mode: "markers", name: `out of memory: ${oom.map((p) => p.batchSize).join(", ") || "none"}`, meta: { role: "oom" }, x: oom.map((p) => p.batchSize), y: oom.map(() => 0), marker: { symbol: "x", color: COLORS.infeasible, size: 15, line: { width: 2 } }, cliponaxis: false, hovertext: oom.map((p) => `batch ${p.batchSize}: out of memory`), hoverinfo: "text" });
  if (scan.recommended !== null) {
    const r = ok.find((p) => p.batchSize === scan.recommended);
    if (r) data.push({ type: "scatter", mode: "markers", name: `recommended: ${scan.recommended}`, meta: { role: "recommended" }, x: [r.batchSize], y: [r.examplesPerSec], marker: { symbol: "star", color: COLORS.best, size: 20, line: { color: "#7A4F00", width: 1 } }, hoverinfo: "skip" });
  }
  const shapes: Array<Record<string, unknown>> = [];
  if (scan.plateauBatchSize !== null) shapes.push({ type: "line", xref: "x", yref: "y domain", x0: scan.plateauBatchSize, x1: scan.plateauBatchSize, y0: 0, y1: 1, line: { color: COLORS.best, dash: "dot", width: 1.5 } });
  const all = scan.points.map((p) => p.batchSize);
  const two = !!scaling && scaling.steps.length > 0;
  const layout = baseLayout(
    `Batch size: training throughput per batch size${scan.plateauBatchSize !== null ? `, stops growing after ${scan.plateauBatchSize}` : ""}${scan.smallestOom !== null ? `, out of memory from ${scan.smallestOom}` : ""}`,
    {
      subtitle: [`${count(ok.length)} batch sizes ran; largest feasible ${scan.largestFeasible ?? "none"}; a step up counts as growth when throughput gains ≥ ${Math.round(scan.minGain * 100)}%`, ...scan.findings.slice(0, 2).map((f) => wrapText(plotText(f.message), 160))].join("<br>"),
      width: two ? MAX_FIGURE_WIDTH : 900,
      height: 540,
    },
  );
  const ticks = pow2Ticks(all);
  layout.xaxis = { ...axisLayout("batch size (log₂ scale)", "log", { tickvals: ticks, ticktext: ticks.map(String), dtick: undefined }), domain: two ? [0, 0.46] : [0, 1], anchor: "y" };
  layout.yaxis = { ...axisLayout("throughput (examples / second)", "linear", { range: [-0.04 * maxT, maxT * 1.15] }), anchor: "x" };
  if (two) {
    const pts = new Map<number, number>();
    for (const s of scaling!.steps) (pts.set(s.from, s.stepsFrom), pts.set(s.to, s.stepsTo));
    const xs = [...pts.keys()].sort((a, b) => a - b);
    data.push({ type: "scatter", mode: "lines+markers", name: "steps to reach the result", x: xs, y: xs.map((b) => pts.get(b) ?? null), xaxis: "x2", yaxis: "y2", marker: { color: "#009E73", size: 10 }, line: { color: "#009E73", width: 2.5 } });
    data.push({ type: "scatter", mode: "lines", name: "perfect scaling (steps halve)", x: xs, y: xs.map((b) => (pts.get(xs[0]!)! * xs[0]!) / b), xaxis: "x2", yaxis: "y2", line: { color: COLORS.muted, dash: "dash" }, hoverinfo: "skip" });
    const t2 = pow2Ticks(xs);
    layout.xaxis2 = { ...axisLayout("batch size (log₂ scale)", "log", { tickvals: t2, ticktext: t2.map(String), dtick: undefined }), domain: [0.56, 1], anchor: "y2" };
    layout.yaxis2 = { ...axisLayout("training steps to reach the result (log scale)", "log"), anchor: "x2" };
  }
  layout.shapes = shapes;
  layout.legend = { ...(layout.legend as object), orientation: "h", x: 0, y: -0.16, yanchor: "top" };
  (layout.margin as Record<string, number>).b = 110;
  return applyOptions({ data, layout }, options);
}
