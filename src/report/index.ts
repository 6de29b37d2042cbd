export * from "./tracking.js";
export { type NotCheckedItem, type ReportContent, type ReportFigure, type ReportFinding, type ReportOptions, plainTitle, renderHtml, renderMarkdown, reportContent, writeReport } from "./report.js";
export * from "./algoperf.js";
