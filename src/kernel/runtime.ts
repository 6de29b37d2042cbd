/**
 * The kernel-side half of the magics: generated cell code calls `tunebook$k.run(name, args,
 * line, bind)`; this looks the magic up, parses its arguments, runs it and turns any failure
 * into a MagicError that the kernel shows as one readable error (no compiler stack trace).
 */
import { formatMagicHelp, lsmagicText, MAGICS, type Magic, type MagicContext } from "./magics.js";
import { parseArgs, UsageError } from "./args.js";
import { TunebookError } from "../study/types.js";
import { jupyter, type DisplayWriter } from "./tslab.js";
import { escapeHtml } from "../plots/export.js";
import { didYouMean } from "../util/suggest.js";
import type { MimeBundle } from "../notebook/display.js";
import type { Figure } from "../plots/theme.js";
import { KernelFigures } from "./figures.js";

/** An error from a magic, already worded for people. `usage` is shown under the message. */
export class MagicError extends Error {
  constructor(
    readonly magic: string,
    readonly line: number,
    readonly kind: string,
    message: string,
    readonly usage?: string,
  ) {
    super(`%${magic} (line ${line}): ${message}`);
    this.name = "MagicError";
  }
}

/** The cell was stopped by the notebook's interrupt button. */
export class InterruptedError extends Error {
  constructor() {
    super("interrupted");
    this.name = "KeyboardInterrupt";
  }
}

/** Send a MIME bundle to the running cell's output (tslab's writer); `id` makes it updatable. */
export function sendDisplay(bundle: MimeBundle, opts: { id?: string; update?: boolean; writer?: DisplayWriter | null; metadata?: Record<string, unknown> } = {}): void {
  const write = opts.writer ?? jupyter.lastWriteDisplayData;
  if (!write) {
    process.stdout.write(String(bundle["text/plain"] ?? "") + "\n");
    return;
  }
  write({ data: bundle, metadata: opts.metadata ?? {}, transient: opts.id ? { display_id: opts.id } : {} }, !!opts.update);
}

/** State shared by the magics of one kernel session. */
export class MagicRuntime {
  /** Aborted by the kernel on interrupt; renewed for every cell. */
  signal: AbortSignal = new AbortController().signal;
  /** Name of the notebook variable holding the current study (set by %load / %run). */
  current = "study";
  private displays = 0;
  /** Figure outputs: views (`%config figures=…`), the warm browser for PNGs, the plotly.js carrier. */
  readonly figures: KernelFigures;
  /** Displays still rendering (PNG) that the running cell must wait for. */
  private pending: Array<Promise<void>> = [];

  constructor(
    private readonly locals: Record<string, unknown>,
    private readonly magics: Record<string, Magic> = MAGICS,
    figures?: KernelFigures,
  ) {
    this.figures = figures ?? new KernelFigures();
  }

  /**
   * Show a figure in the running cell's output (its writer is taken now, so a late PNG still
   * lands in this cell). Resolves when it was sent.
   */
  showFigure(fig: Figure, writer: DisplayWriter | null = jupyter.lastWriteDisplayData): Promise<void> {
    const p = this.figures.show(fig).then((shown) => {
      sendDisplay(shown.data, { writer, metadata: shown.metadata });
      const note = this.figures.takeNote();
      if (note) sendDisplay({ "text/plain": note, "text/html": `<p style="color:#6B7785;font-size:12px">${escapeHtml(note)}</p>` }, { writer });
    });
    this.pending.push(p.catch(() => undefined));
    return p;
  }

  /** Wait for the displays the cell started (figures from its last expression or display()). */
  async settle(): Promise<void> {
    while (this.pending.length) {
      const p = this.pending;
      this.pending = [];
      await Promise.all(p);
    }
  }

  /** Run a line magic. Called by generated code; always rejects with a MagicError on failure. */
  async run(name: string, args: unknown[], line: number, bind?: string): Promise<unknown> {
    return this.invoke(name, "line", args, line, bind, undefined);
  }

  /** Run a cell magic (`%%name`) with the rest of the cell as `body`. */
  async cell(name: string, args: unknown[], body: string, line: number, bind?: string): Promise<unknown> {
    return this.invoke(name, "cell", args, line, bind, body);
  }

  /** `%name?`: print the magic's help. */
  help(name: string): void {
    const m = this.magics[name];
    process.stdout.write((m ? formatMagicHelp(m) : `unknown magic %${name}${didYouMean(name, Object.keys(this.magics), { prefix: "%" })}\n\n${lsmagicText(this.magics)}`) + "\n");
  }

  private async invoke(name: string, kind: "line" | "cell", values: unknown[], line: number, bind: string | undefined, body: string | undefined): Promise<unknown> {
    const m = this.magics[name];
    const prefix = kind === "cell" ? "%%" : "%";
    if (!m) {
      const same = Object.values(this.magics).filter((x) => x.kind === kind).map((x) => x.name);
      const hint = didYouMean(name, same, { prefix }) || didYouMean(name, Object.keys(this.magics), { prefix: "%" });
      throw new MagicError(name, line, "UsageError", `unknown magic ${prefix}${name}${hint || "; %lsmagic lists the magics"}`);
    }
    if (m.kind !== kind) {
      throw new MagicError(name, line, "UsageError", `%${name} is a ${m.kind} magic: write ${m.kind === "cell" ? "%%" : "%"}${name}`, m.usage);
    }
    if (values.some((v) => v === "--help" || v === "-h")) {
      this.help(name);
      return undefined;
    }
    // This cell's signal and display writer: a later cell replaces the runtime's.
    const signal = this.signal;
    const ctx: MagicContext = {
      locals: this.locals,
      signal,
      bind,
      runtime: this,
      show: (b) => sendDisplay(b),
      showFigure: (f) => this.showFigure(f),
      newDisplay: () => {
        const id = `tunebook-${process.pid}-${++this.displays}`;
        const writer = jupyter.lastWriteDisplayData;
        let shown = false;
        return (b: MimeBundle) => {
          sendDisplay(b, { id, update: shown, writer });
          shown = true;
        };
      },
      print: (t) => process.stdout.write(t.endsWith("\n") ? t : t + "\n"),
    };
    try {
      const parsed = parseArgs(values, m.args, m.usage);
      const result = await m.run(parsed, ctx, body);
      // Unbound results are not echoed (tslab would print a cell's last expression).
      return bind ? result : undefined;
    } catch (e) {
      if (e instanceof MagicError || e instanceof InterruptedError) throw e;
      if (signal.aborted) throw new InterruptedError();
      if (e instanceof UsageError) throw new MagicError(name, line, "UsageError", e.message, m.usage);
      if (e instanceof TunebookError) throw new MagicError(name, line, "TunebookError", e.message);
      const err = e as Error;
      const wrapped = new MagicError(name, line, err?.name ?? "Error", err?.message ?? String(e));
      if (process.env.TUNEBOOK_DEBUG && err?.stack) wrapped.stack = err.stack;
      throw wrapped;
    }
  }
}
