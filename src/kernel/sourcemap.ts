/**
 * Runtime errors on the cell's own lines. tslab compiles a cell twice (TypeScript -> ES module
 * JS -> CommonJS, both re-printed, so lines move) and runs it with `vm.runInThisContext`; a stack
 * then says `evalmachine.<anonymous>:7` and shows generated code (`exports.tsLastExpr = …`).
 * Here both compilations also emit source maps, each run gets a file name per cell (`cell-N`),
 * and a stack frame maps back through both maps (source-map-js, the maintained fork of Mozilla's
 * source-map) to the line the user wrote — magics keep line numbers (preprocess.ts).
 */
import { createRequire } from "node:module";
import { SourceMapConsumer, type RawSourceMap } from "source-map-js";
import { ts } from "./tslab.js";

const require = createRequire(import.meta.url);

interface CellMaps {
  /** Cell code as the user wrote it (for the `---->` line). */
  code: string;
  /** Execution number shown as In [n]. */
  count: number;
  esm?: SourceMapConsumer;
  cjs?: SourceMapConsumer;
  /** Characters tslab puts before the code on line 1 (its function wrapper). */
  prefix: number;
}

/** Cells kept for mapping frames of functions defined earlier (bounded: old cells are dropped). */
const KEEP = 200;
const cells = new Map<string, CellMaps>();
let lastEsm: string | undefined;
let lastCjs: string | undefined;
let current: { code: string; count: number } = { code: "", count: 0 };
let installed = false;

/** The cell about to run: its code and execution count. */
export function beginCellMaps(code: string, count: number): void {
  current = { code, count };
  lastEsm = undefined;
  lastCjs = undefined;
}

/** Patch tslab's compiler and vm so cells carry source maps and file names. Idempotent. */
export function installCellSourceMaps(): void {
  if (installed) return;
  installed = true;
  const t = ts as unknown as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- patching the compiler's untyped internals

  // Stage 1 (TypeScript -> ES module JS): ask for a map and keep the one of tslab's cell file.
  const createHost = t.createWatchCompilerHost!;
  t.createWatchCompilerHost = (rootFiles: unknown, options: Record<string, unknown>, ...rest: unknown[]) => {
    const host = createHost(rootFiles, { ...options, sourceMap: true }, ...rest) as Record<string, unknown>;
    let after: ((b: unknown) => void) | undefined;
    Object.defineProperty(host, "afterProgramCreate", {
      configurable: true,
      get: () => after,
      set: (fn: (b: unknown) => void) => {
        after = (b) => {
          const builder = b as { emit: (sf: unknown, write?: (name: string, data: string, ...w: unknown[]) => void, ...r: unknown[]) => unknown };
          const emit = builder.emit.bind(builder);
          builder.emit = (sf, write, ...r) =>
            emit(
              sf,
              write &&
                ((name: string, data: string, ...w: unknown[]) => {
                  if (name.endsWith("__tslab__.js.map")) lastEsm = data;
                  else write(name, data, ...w);
                }),
              ...r,
            );
          fn(builder);
        };
      },
    });
    return host;
  };

  // Stage 2 (ES module -> CommonJS, tslab's esModuleToCommonJSModule names its input custom.js).
  const transpile = t.transpileModule!;
  t.transpileModule = (input: unknown, opts: { fileName?: string; compilerOptions?: Record<string, unknown> }) => {
    if (opts?.fileName !== "custom.js") return transpile(input, opts);
    const out = transpile(input, { ...opts, compilerOptions: { ...opts.compilerOptions, sourceMap: true } }) as { outputText: string; sourceMapText?: string };
    lastCjs = out.sourceMapText;
    // The map is kept here; the comment pointing at a map file would only confuse debuggers.
    return { ...out, outputText: out.outputText.replace(/\n\/\/# sourceMappingURL=custom\.js\.map\s*$/, "\n") };
  };

  // The run: a file name per cell, remembered with the maps of its compilation.
  const vm = require("node:vm") as { runInThisContext: (code: string, opts?: unknown) => unknown };
  const run = vm.runInThisContext.bind(vm);
  vm.runInThisContext = (code: string, opts?: unknown) => {
    const wrapper = /^\((?:async )?function\(exports, require\) \{ /.exec(code);
    if (!wrapper || (opts && typeof opts === "object" && "filename" in opts)) return run(code, opts);
    const filename = `cell-${current.count}`;
    cells.set(filename, {
      code: current.code,
      count: current.count,
      esm: lastEsm ? new SourceMapConsumer(JSON.parse(lastEsm) as RawSourceMap) : undefined,
      cjs: lastCjs ? new SourceMapConsumer(JSON.parse(lastCjs) as RawSourceMap) : undefined,
      prefix: wrapper[0].length,
    });
    while (cells.size > KEEP) cells.delete(cells.keys().next().value!);
    return run(code, { ...(opts as object), filename });
  };
}

/** Where a generated position came from in a cell: its execution count and 1-based line. */
export function cellPosition(file: string, line: number, column: number): { count: number; line: number; code: string } | undefined {
  const c = cells.get(file);
  if (!c) return undefined;
  let pos = { line, column: Math.max(0, (line === 1 ? column - c.prefix : column) - 1) };
  for (const map of [c.cjs, c.esm]) {
    if (!map) continue;
    let o = map.originalPositionFor({ ...pos, bias: SourceMapConsumer.GREATEST_LOWER_BOUND });
    if (o.line === null) o = map.originalPositionFor({ ...pos, bias: SourceMapConsumer.LEAST_UPPER_BOUND });
    if (o.line === null) return undefined;
    pos = { line: o.line, column: o.column ?? 0 };
  }
  // tslab compiles `export {};\n` + the cell: one line before the user's first.
  return { count: c.count, line: pos.line - SOURCE_PREFIX_LINES, code: c.code };
}

/** Lines tslab puts before a cell's source (`export {};`) to make it a module. */
const SOURCE_PREFIX_LINES = 1;

const FRAME = /^\s*at (?:(.*?) \()?(cell-\d+):(\d+):(\d+)\)?$/;
const INTERNAL = /node:|evalmachine|tslab[\\/]dist|[\\/]src[\\/]kernel[\\/]|[\\/]dist[\\/]kernel[\\/]|runInThisContext/;

/**
 * An error's traceback in the user's terms: the message, the cell line that failed (`---->`),
 * and the frames in cells (`In [n], line L`) or in libraries; no generated code, no node internals.
 *
 * @example
 * cellTraceback(err); // ["TypeError: Cannot read properties of null (reading 'x')", "In [2], line 4:", "----> 4 console.log(o.x)"]
 */
export function cellTraceback(e: Error): string[] {
  const red = (s: string) => `\x1b[31m${s}\x1b[0m`;
  const head = `${red(e.name || "Error")}: ${e.message}`;
  const frames = (e.stack ?? "").split("\n").filter((l) => /^\s*at /.test(l));
  const out: string[] = [head];
  let shownSource = false;
  for (const f of frames) {
    const m = FRAME.exec(f);
    if (m) {
      const p = cellPosition(m[2]!, Number(m[3]), Number(m[4]));
      if (!p) continue;
      const fn = m[1] && !/^(exports\.)?(tsLastExpr|<anonymous>)$/.test(m[1]) && !m[1].startsWith("Object.") ? m[1] : undefined;
      out.push(`    at ${fn ? `${fn} (` : ""}In [${p.count}], line ${p.line}${fn ? ")" : ""}`);
      if (!shownSource) {
        const src = p.code.split("\n")[p.line - 1];
        if (src !== undefined) out.push(`${red("---->")} ${p.line} ${src.trim()}`);
        shownSource = true;
      }
      continue;
    }
    if (INTERNAL.test(f)) continue;
    out.push(f);
  }
  return out;
}
