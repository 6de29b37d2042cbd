/** The shape of a magic and what it gets to run (kept apart so magic modules need not import each other). */
import type { ArgSpec, ParsedArgs } from "./args.js";
import type { MimeBundle } from "../notebook/display.js";
import type { Figure } from "../plots/theme.js";
import type { KernelFigures } from "./figures.js";

/**
 * What magics see of the kernel session's state. The runtime class has this shape; it is an
 * interface here so magic modules never import the runtime (which imports the magics).
 */
export interface MagicSession {
  /** Name of the notebook variable holding the current study (set by %load / %run). */
  current: string;
  /** Figure outputs: views, the warm browser for PNGs, the plotly.js carrier. */
  readonly figures: KernelFigures;
}

/** What a magic gets besides its arguments. */
export interface MagicContext {
  /** The notebook's variables (tslab's exports object). */
  locals: Record<string, unknown>;
  /** Aborted when the user interrupts the cell. */
  signal: AbortSignal;
  /**
   * Run `work` so that an interrupt only aborts `signal` and lets `work` finish, and the cell
   * then ends normally with its result bound (a `%load --watch` stopped by the user keeps its
   * last snapshot). A second interrupt stops the cell as usual.
   */
  endOnInterrupt<T>(work: () => Promise<T>): Promise<T>;
  /** `as NAME` (or the magic's default binding), when the result is stored in a variable. */
  bind?: string;
  runtime: MagicSession;
  show(bundle: MimeBundle): void;
  /** Show a figure (views per `%config figures=…`, with its static image). */
  showFigure(fig: Figure): Promise<void>;
  /** A display that can be updated in place (update_display_data with a display_id). */
  newDisplay(): (bundle: MimeBundle) => void;
  print(text: string): void;
}

export interface Magic {
  name: string;
  kind: "line" | "cell";
  summary: string;
  usage: string;
  description: string;
  examples: string[];
  args: ArgSpec;
  run(args: ParsedArgs, ctx: MagicContext, body?: string): Promise<unknown> | unknown;
}
