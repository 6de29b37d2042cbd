/**
 * Jupyter wire protocol: tslab's ZmqServer (sockets, signing, heartbeat) with our handler, plus
 * what tslab lacks: `error` messages for failed cells, `execute_input`, and `interrupt_request`
 * on the control channel (kernel.json also allows SIGINT, Jupyter's default interrupt).
 */
import { createHmac, randomBytes } from "node:crypto";
import type { TunebookKernel } from "./kernel.js";
import { isMagicLine } from "./preprocess.js";
import { formatMagicHelp, MAGICS } from "./magics.js";
import { Study } from "../study/study.js";
import { converter, inspectModule, jupyter, util, type DisplayWriter, type WireMessage, type ZmqServerBase } from "./tslab.js";
import { VERSION } from "../version.js";

type WriteStream = (name: string, text: string) => void;
type WriteError = (err: { ename: string; evalue: string; traceback: string[] }) => void;

const LANGUAGE_INFO = {
  name: "typescript",
  version: "5.0",
  mimetype: "text/typescript",
  file_extension: ".ts",
  codemirror_mode: { mode: "typescript", name: "javascript", typescript: true },
};

/**
 * A request sent before the client could have seen a failed cell's reply belongs to the same Run
 * All. Requests waiting in the queue are such; so are requests the client sent earlier but the
 * kernel read only after the failure (a cell that blocks the event loop delays reading): those are
 * recognised by their header's date, trusted only within this window after the failure (a client
 * on another machine may have a skewed clock).
 */
const LATE_READ_WINDOW_MS = 1000;

/** The request handler tslab's ZmqServer calls (same interface as its JupyterHandlerImpl). */
export class TunebookHandler {
  private execCount = 0;
  private tail: Promise<unknown> = Promise.resolve();
  /** When the last cell with stop_on_error failed (ms), or -Infinity. */
  private failedAt = -Infinity;

  /** @param onClose called after a shutdown_request closed the kernel (the process should exit) */
  constructor(
    readonly kernel: TunebookKernel,
    private readonly onClose?: () => void,
  ) {}

  handleKernel(): Record<string, unknown> {
    return {
      protocol_version: "5.3",
      implementation: "tunebook",
      implementation_version: VERSION,
      language_info: LANGUAGE_INFO,
      banner: `TypeScript (tunebook ${VERSION}, tslab ${util.getVersion()}). %lsmagic lists the magics.`,
      help_links: [{ text: "tunebook kernel", url: "https://github.com/tunebook/tunebook/blob/main/docs/kernel.md" }],
    };
  }

  /**
   * Run an execute_request after the ones before it. Like IPython's kernel: when a cell fails and
   * its request has `stop_on_error` (the default), every request queued behind it is answered
   * `aborted` without running.
   */
  handleExecute(
    req: { code: string; silent?: boolean; stop_on_error?: boolean },
    writeStream: WriteStream,
    writeDisplayData: DisplayWriter,
    writeError?: WriteError,
    onStart?: (count: number) => void,
    meta: { cellId?: string; sentAt?: number } = {},
  ): Promise<Record<string, unknown>> {
    const arrived = Date.now();
    const run = async (): Promise<Record<string, unknown>> => {
      const queuedBehindError = arrived <= this.failedAt;
      const sentBeforeError = meta.sentAt !== undefined && meta.sentAt < this.failedAt && arrived - this.failedAt < LATE_READ_WINDOW_MS;
      if (queuedBehindError || sentBeforeError) return { status: "aborted", execution_count: null };
      try {
        // Like ipykernel, output that arrives after the cell finished still goes to this cell.
        process.stdout.write = streamWriter("stdout", writeStream) as typeof process.stdout.write;
        process.stderr.write = streamWriter("stderr", writeStream) as typeof process.stderr.write;
        jupyter.lastWriteDisplayData = writeDisplayData;
        const count = ++this.execCount;
        // execute_input carries the count, so front ends show In [n] (nbconvert reads it from there).
        onStart?.(count);
        const r = await this.kernel.execute(req.code, { cellId: meta.cellId, count });
        if (r.ok) return { status: "ok", execution_count: count, payload: [], user_expressions: {} };
        writeError?.(r.error!);
        if (req.stop_on_error !== false) this.failedAt = Date.now();
        return { status: "error", execution_count: count, ...r.error };
      } catch (e) {
        return { status: "error", execution_count: null, ename: "Error", evalue: String(e), traceback: [String(e)] };
      }
    };
    const p = this.tail.then(run, run);
    this.tail = p;
    return p;
  }

  handleIsComplete(req: { code: string }): Record<string, unknown> {
    const code = req.code.split("\n").filter((l) => !isMagicLine(l)).join("\n");
    if (/^\s*%%/.test(req.code)) return { status: "complete" };
    const r = converter.isCompleteCode(code);
    return r.completed ? { status: "complete" } : { status: "incomplete", indent: r.indent ?? "" };
  }

  handleInspect(req: { code: string; cursor_pos: number }): Record<string, unknown> {
    // On a magic line (`%isolation`, `%isolation?`, shift-tab inside its arguments): the magic's help.
    const magic = magicAt(req.code, req.cursor_pos);
    if (magic) {
      const m = MAGICS[magic.name];
      if (m) return { status: "ok", found: true, data: { "text/plain": formatMagicHelp(m) }, metadata: {} };
    }
    // Magic lines are blanked (same length) so offsets into the TypeScript stay valid.
    const info = this.kernel.executor.inspect(this.kernel.preprocess(req.code).masked, req.cursor_pos);
    if (!info) return { status: "ok", found: false, data: {}, metadata: {} };
    return { status: "ok", found: true, data: { "text/plain": inspectModule.printQuickInfo(info) }, metadata: {} };
  }

  handleComplete(req: { code: string; cursor_pos: number }): Record<string, unknown> {
    const done = (word: string, matches: string[]) => ({ cursor_start: req.cursor_pos - word.length, cursor_end: req.cursor_pos, matches, metadata: {}, status: "ok" });
    const before = req.code.slice(0, req.cursor_pos);
    const line = before.slice(before.lastIndexOf("\n") + 1);
    // A magic's name: `%iso|` -> `%isolation`.
    const name = /^\s*(%%?)([\w-]*)$/.exec(line);
    if (name) {
      const kind = name[1] === "%%" ? "cell" : "line";
      const matches = Object.values(MAGICS)
        .filter((x) => x.kind === kind && x.name.startsWith(name[2]!))
        .map((x) => name[1] + x.name);
      return done(name[1]! + name[2]!, matches);
    }
    // A magic's arguments: its options, hyperparameter names of the current study, settings.
    const args = /^\s*%%?([\w-]+)\s(.*)$/.exec(line);
    if (args && MAGICS[args[1]!]) {
      const m = MAGICS[args[1]!]!;
      const word = /(\S*)$/.exec(args[2]!)![1]!;
      if (word.startsWith("-")) return done(word, Object.keys(m.args.options).map((o) => `--${o}`).filter((o) => o.startsWith(word)));
      const prevOpt = /--([\w-]+)\s+\S*$/.exec(args[2]!)?.[1];
      if (m.name === "config") return done(word, ["figures=interactive", "figures=static", "figures=both"].filter((o) => o.startsWith(word)));
      const takesHparam = prevOpt ? ["scientific", "nuisance"].includes(prevOpt) : ["axis", "isolation"].includes(m.name);
      if (takesHparam) {
        // --nuisance a,b,lea| completes the last item of the list.
        const item = word.slice(word.lastIndexOf(",") + 1);
        return done(item, this.hparamNames().filter((h) => h.startsWith(item)));
      }
      return done(word, []);
    }
    const info = this.kernel.executor.complete(this.kernel.preprocess(req.code).masked, req.cursor_pos);
    return { cursor_start: info.start, cursor_end: info.end, matches: info.candidates, metadata: {}, status: "ok" };
  }

  /** Hyperparameter names of the notebook's current study (the last %load / %run), for completion. */
  private hparamNames(): string[] {
    const s = this.kernel.executor.locals[this.kernel.runtime.current];
    return s instanceof Study ? s.hparamSummaries().map((h) => h.name) : [];
  }

  handleShutdown(): Record<string, unknown> {
    return { restart: false };
  }

  close(): void {
    this.kernel.close();
    this.onClose?.();
  }
}

/** The magic whose line the cursor is on (`%name …` or `%%name …` in the first line), if any. */
export function magicAt(code: string, cursor: number): { name: string } | undefined {
  const start = code.lastIndexOf("\n", Math.max(0, cursor - 1)) + 1;
  const end = code.indexOf("\n", cursor);
  const line = code.slice(start, end < 0 ? undefined : end);
  const m = /^\s*(%%?)([A-Za-z_][\w-]*)/.exec(line);
  if (!m) return undefined;
  if (m[1] === "%%" && start !== 0) return undefined;
  return { name: m[2]! };
}

function streamWriter(name: string, write: WriteStream) {
  const dec = new TextDecoder();
  return (chunk: string | Uint8Array, ...rest: unknown[]): boolean => {
    write(name, typeof chunk === "string" ? chunk : dec.decode(chunk));
    const cb = rest.find((r) => typeof r === "function") as (() => void) | undefined;
    cb?.();
    return true;
  };
}

const DELIM = "<IDS|MSG>";

/** Create the ZmqServer subclass (tslab's class is only known at runtime). */
export function createServer(handler: TunebookHandler, configPath: string): ZmqServerBase {
  const Base = jupyter.ZmqServer as unknown as new (h: unknown, c: string) => ZmqServerBase;
  class TunebookServer extends Base {
    override async handleShellMessage(sock: unknown, ...args: Buffer[]): Promise<void> {
      const i = args.findIndex((b) => b.toString() === DELIM);
      let type: string | undefined;
      try {
        type = i >= 0 ? (JSON.parse(args[i + 2]!.toString()) as { msg_type?: string }).msg_type : undefined;
      } catch {
        type = undefined;
      }
      if (type === "interrupt_request") return this.handleInterrupt(sock, args, i);
      return super.handleShellMessage(sock, ...args);
    }

    /** Reply on the control socket and interrupt the running cell. */
    private handleInterrupt(sock: unknown, args: Buffer[], delim: number): void {
      const key = this.connInfo.key;
      const parts = args.slice(delim + 2, delim + 6);
      const hmac = args[delim + 1]!.toString();
      const h = createHmac("sha256", key);
      for (const p of parts) h.update(p);
      if (key && h.digest("hex") !== hmac) return; // unsigned or forged: ignore
      handler.kernel.interrupt();
      const parent = JSON.parse(parts[0]!.toString()) as Record<string, unknown>;
      const header = {
        msg_id: randomBytes(16).toString("hex"),
        msg_type: "interrupt_reply",
        session: parent.session,
        username: parent.username,
        date: new Date().toISOString(),
        version: "5.3",
      };
      const bodies = [header, parent, {}, { status: "ok" }].map((x) => JSON.stringify(x));
      const sig = createHmac("sha256", key);
      for (const b of bodies) sig.update(b);
      void (sock as { send(m: Array<Buffer | string>): Promise<void> }).send([...args.slice(0, delim), DELIM, sig.digest("hex"), ...bodies]);
    }

    override async handleExecute(sock: unknown, msg: WireMessage): Promise<void> {
      const key = this.connInfo.key;
      const pub = (type: string, content: Record<string, unknown>) => {
        const m = msg.createReply();
        m.header.msg_type = type;
        m.content = content;
        m.signAndSend(key, this.iopub);
      };
      const writeStream: WriteStream = (name, text) => pub("stream", { name, text });
      const writeDisplayData: DisplayWriter = (data, update) => pub(update ? "update_display_data" : "display_data", data as unknown as Record<string, unknown>);
      const writeError: WriteError = (err) => pub("error", err);
      // JupyterLab and VS Code name the cell in the request's metadata; classic Notebook does not.
      const md = (msg as unknown as { metadata?: Record<string, unknown> }).metadata ?? {};
      const cellId = typeof md.cellId === "string" ? md.cellId : undefined;
      const sentAt = Date.parse(String(msg.header.date ?? ""));
      const content = await handler.handleExecute(
        msg.content as { code: string },
        writeStream,
        writeDisplayData,
        writeError,
        (count) => pub("execute_input", { code: msg.content.code, execution_count: count }),
        { cellId, sentAt: Number.isFinite(sentAt) ? sentAt : undefined },
      );
      const reply = msg.createReply();
      reply.header.msg_type = "execute_reply";
      reply.content = content;
      reply.signAndSend(key, sock);
    }
  }
  return new TunebookServer(handler, configPath);
}
