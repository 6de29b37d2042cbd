/**
 * The tunebook kernel core: tslab's executor behind a preprocessing layer. A cell's magics are
 * rewritten to TypeScript (preprocess.ts), tslab compiles and runs it, and whatever went wrong
 * is collected into one Jupyter error (ename/evalue/traceback) instead of printed stack traces.
 */
import { format } from "node:util";
import { preprocessCell, RUNTIME, type Preprocessed } from "./preprocess.js";
import { InterruptedError, MagicError, MagicRuntime, sendDisplay } from "./runtime.js";
import { createConverterSet, disableDirectoryWatching, executorModule, type ConverterSet, type Executor } from "./tslab.js";
import { hasTypes, installTypeForwarding, wrapCellRequire } from "./resolve.js";
import { isFigure, setDisplayHandler, toBundle } from "../notebook/display.js";
import { Study } from "../study/study.js";
import { summarizeStudy } from "../study/summary.js";
import { summaryBundle } from "./render.js";
import { beginCellMaps, cellTraceback, installCellSourceMaps } from "./sourcemap.js";
import { escapeTerminalBlock } from "../core/terminal.js";

/** What Jupyter shows for a failed cell. */
export interface CellError {
  ename: string;
  evalue: string;
  traceback: string[];
}

export interface ExecuteResult {
  ok: boolean;
  error?: CellError;
}

/** The type of `%magic … as NAME` per magic (public types of the tunebook package). */
const BIND_TYPES: Record<string, string> = Object.fromEntries(
  Object.entries({
    load: "Study",
    run: "Study",
    space: "SearchSpace",
    axis: "AxisPlotData",
    isolation: "IsolationResult",
    boundaries: "BoundaryResult",
    bootstrap: "BestOfNResult",
    curves: "CurveDiagnosticsResult",
    clipping: "ClippingResult",
    checkpoints: "CheckpointResult",
    review: "ReviewResult",
  }).map(([k, t]) => [k, `import("tunebook").${t}`]),
);
BIND_TYPES.report = "string";

const INTERRUPTED_MESSAGE = "Interrupted asynchronously";

/** Is `x` worth a rich display when it is a cell's last expression? */
function richValue(x: unknown): boolean {
  if (x instanceof Study) return true;
  if (isFigure(x)) return true;
  // arquero tables (ColumnTable): objects() + columnNames() + numRows().
  const t = x as { objects?: unknown; columnNames?: unknown; numRows?: unknown } | null;
  return typeof t === "object" && t !== null && typeof t.objects === "function" && typeof t.columnNames === "function" && typeof t.numRows === "function";
}

export class TunebookKernel {
  readonly executor: Executor;
  readonly runtime: MagicRuntime;
  private readonly convs: ConverterSet;
  private diagnostics: string[] = [];
  private thrown: unknown[] = [];
  private abort = new AbortController();
  private readonly bindTypes: Record<string, string>;
  /** Cells run in this session (In [n] when the caller does not say). */
  private cells = 0;

  /**
   * @param cwd the notebook's folder (tslab resolves modules and compiles from here)
   * @param tunebook the loaded `tunebook` module namespace, returned for `import … from "tunebook"`
   */
  constructor(cwd: string, tunebook: unknown) {
    installTypeForwarding(cwd);
    disableDirectoryWatching();
    // Before the compiler is created: cells then carry source maps for their tracebacks.
    installCellSourceMaps();
    const convs = (this.convs = createConverterSet());
    void convs.node; // warm the compiler (a few hundred ms) before the first cell
    this.executor = executorModule.createExecutor(cwd, convs, {
      log: (...args: unknown[]) => this.log(args),
      error: (...args: unknown[]) => this.error(args),
    });
    const g = globalThis as unknown as Record<string, { require: (id: string) => unknown } | unknown>;
    const tslabGlobal = g["__tslab__"] as { require: (id: string) => unknown };
    tslabGlobal.require = wrapCellRequire(tslabGlobal.require, tunebook);
    this.runtime = new MagicRuntime(this.executor.locals);
    g[RUNTIME] = this.runtime;
    // display(fig) in a cell: the kernel adds the static image and places plotly.js.
    setDisplayHandler((x) => {
      if (!isFigure(x)) return false;
      void this.runtime.showFigure(x);
      return true;
    });
    // Typed bindings only when notebooks can see tunebook's declarations (dist/ built).
    this.bindTypes = hasTypes() ? BIND_TYPES : {};
  }

  /** The cell as tslab will see it. */
  preprocess(code: string): Preprocessed {
    return preprocessCell(code, { bindTypes: this.bindTypes, defaultBind: { load: "study", run: "study", "%%space": "space" } });
  }

  /**
   * Run one cell. Never throws: failures come back as a CellError.
   * @param cellId the front end's id of the cell (JupyterLab, VS Code), if it sends one
   */
  async execute(code: string, opts: { cellId?: string; count?: number } = {}): Promise<ExecuteResult> {
    beginCellMaps(code, opts.count ?? ++this.cells);
    this.runtime.figures.beginCell(opts.cellId ? `id:${opts.cellId}` : `code:${code}`);
    try {
      return await this.executeCell(code);
    } finally {
      // Figures of the last expression or display() still rendering their PNG.
      await this.runtime.settle();
      this.runtime.figures.endCell();
    }
  }

  private async executeCell(code: string): Promise<ExecuteResult> {
    this.diagnostics = [];
    this.thrown = [];
    this.abort = new AbortController();
    this.runtime.signal = this.abort.signal;
    let ok = await this.run(code);
    if (!ok && this.compilerBroken()) {
      // The compiler's watch state is stuck (see disableDirectoryWatching): start a fresh one and retry once.
      this.convs.reset();
      this.diagnostics = [];
      this.thrown = [];
      ok = await this.run(code);
    }
    if (ok) return { ok };
    return { ok, error: this.describeError() };
  }

  private async run(code: string): Promise<boolean> {
    try {
      return await this.executor.execute(this.preprocess(code).code);
    } catch (e) {
      this.thrown.push(e);
      return false;
    }
  }

  private compilerBroken(): boolean {
    const e = this.thrown[0];
    return e instanceof Error && /rebuildTimer/.test(e.message);
  }

  /**
   * The stop button: reject the running cell and abort whatever honours the cell's AbortSignal
   * (%run). A magic that ends itself on the signal (%load --watch) is let finish, so its cell
   * succeeds with the result bound; a second press stops the cell anyway.
   */
  interrupt(): void {
    const again = this.abort.signal.aborted;
    this.abort.abort(new InterruptedError());
    if (this.runtime.endsOnInterrupt > 0 && !again) return;
    this.executor.interrupt();
  }

  close(): void {
    this.executor.close();
    void this.runtime.figures.close();
  }

  private log(args: unknown[]): void {
    // tslab logs a cell's last expression: show figures, tables and studies richly.
    if (args.length === 1 && richValue(args[0])) {
      const v = args[0];
      if (isFigure(v)) void this.runtime.showFigure(v);
      else sendDisplay(v instanceof Study ? summaryBundle(summarizeStudy(v)) : toBundle(v));
      return;
    }
    process.stdout.write(format(...args) + "\n");
  }

  private error(args: unknown[]): void {
    if (args.length === 1 && typeof args[0] === "object" && args[0] !== null) this.thrown.push(args[0]);
    else if (args.length === 1 && typeof args[0] !== "string") this.thrown.push(args[0]);
    else this.diagnostics.push(format(...args));
  }

  private describeError(): CellError {
    if (this.diagnostics.length) {
      return { ename: "CompileError", evalue: this.diagnostics[0]!, traceback: this.diagnostics.map((d) => `\x1b[31m${d}\x1b[0m`) };
    }
    const e = this.thrown[0];
    if (e instanceof InterruptedError || (e instanceof Error && e.message === INTERRUPTED_MESSAGE) || (this.abort.signal.aborted && e !== undefined)) {
      return { ename: "KeyboardInterrupt", evalue: "the cell was interrupted", traceback: ["\x1b[31mKeyboardInterrupt\x1b[0m: the cell was interrupted"] };
    }
    if (e instanceof MagicError) {
      // The message quotes the user's files and values: escaped, so only the kernel's own colour codes act.
      const tb = [`\x1b[31m${e.kind}\x1b[0m: ${escapeTerminalBlock(e.message)}`];
      if (e.usage) tb.push(`usage: ${e.usage}`, `(%${e.magic}? shows the full help)`);
      if (process.env.TUNEBOOK_DEBUG && e.stack) tb.push(e.stack);
      return { ename: e.kind, evalue: e.message, traceback: tb };
    }
    if (e instanceof Error) {
      // The cell's own lines (through the source maps), no generated code or node internals.
      return { ename: e.name || "Error", evalue: e.message, traceback: cellTraceback(e) };
    }
    const text = e === undefined ? "the cell failed" : format(e);
    return { ename: "Error", evalue: text, traceback: [text] };
  }
}
