/**
 * The parts of tslab 1.0.22 the kernel builds on, loaded from its CommonJS dist/ (tslab has no
 * `exports` map, so deep requires are stable). Typed here just as far as the kernel uses them.
 */
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);

export interface Diagnostic {
  start: { line: number; character: number };
  messageText: string;
  fileName?: string;
}

export interface Executor {
  execute(src: string): Promise<boolean>;
  inspect(src: string, position: number): unknown;
  complete(src: string, position: number): { start: number; end: number; candidates: string[] };
  locals: Record<string, unknown>;
  reset(): void;
  interrupt(): void;
  close(): void;
}

export interface ConverterSet {
  readonly node: unknown;
  readonly browser: unknown;
  close(): void;
  /** Drop the compilers; the next cell makes fresh ones (declarations of earlier cells are kept by the executor). */
  reset(): void;
}

export type DisplayWriter = (
  data: { data: Record<string, unknown>; metadata: Record<string, unknown>; transient: Record<string, unknown> },
  update: boolean,
) => void;

export interface TaskQueue {
  add<T>(fn: () => Promise<T>): Promise<T>;
  reset(delay?: number): void;
}

interface ConverterModule {
  createConverter(o: { isJS: boolean; isBrowser: boolean }): { close(): void };
  isCompleteCode(code: string): { completed: boolean; indent?: string };
}

/**
 * tslab's TypeScript, as one object with plain (writable) properties shared by tslab and the
 * kernel. The package's own exports are read-only getters; tslab reads `ts.x` through live
 * bindings of whatever the module cache holds, so putting a plain copy there, before tslab loads,
 * lets sourcemap.ts wrap two compiler functions. Must run before any `tslab/dist` require.
 */
function patchableTypeScript(): Record<string, unknown> {
  const path = require.resolve("@tslab/typescript-for-tslab");
  const real = require(path) as Record<string, unknown>;
  const entry = require.cache[path];
  if (!entry || Object.isFrozen(real) === false && Object.getOwnPropertyDescriptor(real, "transpileModule")?.writable) return real;
  const copy: Record<string, unknown> = {};
  for (const k of Object.keys(real)) copy[k] = real[k];
  entry.exports = copy;
  return copy;
}
const patchedTs = patchableTypeScript();

export const converter = require("tslab/dist/converter") as ConverterModule;
export const executorModule = require("tslab/dist/executor") as {
  createExecutor(rootDir: string, convs: ConverterSet, console: { log: (...a: unknown[]) => void; error: (...a: unknown[]) => void }): Executor;
};
export const jupyter = require("tslab/dist/jupyter") as {
  lastWriteDisplayData: DisplayWriter | null;
  ZmqServer: new (handler: unknown, configPath: string) => ZmqServerBase;
};
export const util = require("tslab/dist/util") as {
  TaskQueue: new () => TaskQueue;
  TaskCanceledError: new (reason: unknown) => Error;
  getVersion(): string;
};
export const inspectModule = require("tslab/dist/inspect") as { printQuickInfo(info: unknown): string };

/** The TypeScript that tslab compiles with (patched by resolve.ts so notebooks find "tunebook"). */
export const ts = patchedTs as unknown as {
  version: string;
  sys: {
    fileExists(p: string): boolean;
    directoryExists(p: string): boolean;
    readFile(p: string, enc?: string): string | undefined;
    realpath?(p: string): string;
    getDirectories(p: string): string[];
    readDirectory(p: string, ...rest: unknown[]): string[];
    watchDirectory?: unknown;
  };
};

/** A message as tslab's ZmqServer hands it around (its ZmqMessage class). */
export interface WireMessage {
  header: { msg_type: string; msg_id: string; session: string; username: string; date?: string };
  content: Record<string, unknown>;
  createReply(): WireMessage;
  signAndSend(key: string, sock: unknown): void;
}

export interface ZmqServerBase {
  connInfo: { key: string; transport: string; ip: string };
  iopub: unknown;
  shell: unknown;
  control: unknown;
  init(): Promise<void>;
  close(): void;
  handleShellMessage(sock: unknown, ...args: Buffer[]): Promise<void>;
  handleExecute(sock: unknown, msg: WireMessage): Promise<void>;
  publishStatus(status: string, parent: WireMessage): void;
}

/** A converter set that creates the Node converter eagerly (the browser one on demand). */
export function createConverterSet(): ConverterSet {
  let node: { close(): void } | undefined;
  let browser: { close(): void } | undefined;
  return {
    get node() {
      return (node ??= converter.createConverter({ isJS: false, isBrowser: false }));
    },
    get browser() {
      return (browser ??= converter.createConverter({ isJS: false, isBrowser: true }));
    },
    close() {
      node?.close();
      browser?.close();
    },
    reset() {
      this.close();
      node = undefined;
      browser = undefined;
    },
  };
}

/**
 * tslab's compiler host supports one pending TypeScript timer, but TypeScript keeps two (program
 * update and failed-lookup invalidation). A directory watcher firing (e.g. `npm run build` adding
 * files to dist/ while a notebook is open) sets the second one and every later cell fails with
 * "Unexpected pending rebuildTimer". Directory watching is not needed by tslab's flow (cells are
 * virtual files notified explicitly), so it is switched off.
 */
export function disableDirectoryWatching(): void {
  const sys = ts.sys as unknown as { watchDirectory?: unknown };
  sys.watchDirectory = () => ({ close() {} });
}
