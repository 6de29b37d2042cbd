/**
 * TensorFlow.js backend selection: tfjs-node-gpu > tfjs-node > wasm (SIMD) > pure-JS cpu, by what
 * loads. The native packages are optional dependencies that cannot install everywhere, so they are
 * imported dynamically and a failure just moves on to the next backend.
 */
import * as tf from "@tensorflow/tfjs";
import { createRequire } from "node:module";
import path from "node:path";
import { TunebookError } from "../study/types.js";
import { BACKEND_PREFERENCE, type BackendName } from "./types.js";

/** tfjs's own registry name for each tunebook backend name. */
const TFJS_NAME: Record<BackendName, string> = { "node-gpu": "tensorflow", node: "tensorflow", wasm: "wasm", cpu: "cpu" };

let active: BackendName | null = null;
const failures: Partial<Record<BackendName, string>> = {};

/** Why each backend that was tried did not load (for the user's report). @example backendFailures().node */
export function backendFailures(): Partial<Record<BackendName, string>> {
  return { ...failures };
}

/** The backend in use, or null before selectBackend ran. @example activeBackend() // "wasm" */
export function activeBackend(): BackendName | null {
  return active;
}

/** Path of the folder holding the tfjs wasm binaries, for `setWasmPaths` under Node. */
function wasmDir(): string {
  const require = createRequire(import.meta.url);
  return path.dirname(require.resolve("@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm")) + path.sep;
}

async function load(name: BackendName): Promise<void> {
  switch (name) {
    case "node-gpu":
    case "node": {
      // A variable specifier keeps TypeScript (and bundlers) from requiring the optional package.
      const spec = name === "node-gpu" ? "@tensorflow/tfjs-node-gpu" : "@tensorflow/tfjs-node";
      await import(spec);
      break;
    }
    case "wasm": {
      const wasm = await import("@tensorflow/tfjs-backend-wasm");
      // Node has no fetch-from-script-folder: point emscripten at the package's own dist folder.
      // Threads stay off: the threaded build needs browser Workers (tfjs disables it under Node).
      wasm.setWasmPaths(wasmDir());
      break;
    }
    case "cpu":
      break;
  }
  const ok = await tf.setBackend(TFJS_NAME[name]);
  if (!ok) throw new Error(`tf.setBackend("${TFJS_NAME[name]}") returned false`);
  await tf.ready();
  if (name === "wasm") guardWasmMalloc();
}

/** Largest wasm heap emscripten can grow to (4 GiB − 64 KiB). */
const WASM_HEAP_MAX = 4294901760;

/**
 * tfjs-wasm does not check malloc's result: a failed allocation returns 0 and the tensor silently
 * aliases address 0, and sizes ≥ 4 GiB wrap around. Make both throw an out-of-memory error instead,
 * so a too-large batch becomes status "oom" rather than garbage numbers.
 */
function guardWasmMalloc(): void {
  const be = tf.findBackend("wasm") as unknown as { wasm?: { _malloc: (n: number) => number; __tunebookGuard?: boolean } } | null;
  const wasm = be?.wasm;
  if (!wasm || wasm.__tunebookGuard) return;
  const malloc = wasm._malloc.bind(wasm);
  wasm._malloc = (n: number) => {
    if (n >= WASM_HEAP_MAX) throw new RangeError(`out of memory: wasm heap cannot hold a ${n}-byte tensor (max 4 GiB)`);
    const p = malloc(n);
    if (p === 0 && n > 0) throw new RangeError(`out of memory: wasm heap could not allocate ${n} bytes`);
    return p;
  };
  wasm.__tunebookGuard = true;
}

/**
 * Make `name` the active tfjs backend (or, with "auto", the first of node-gpu > node > wasm > cpu
 * that loads) and return the name actually used. A backend requested by name that cannot load
 * throws TunebookError with the reason. Production mode is enabled (no debug checks or banners).
 *
 * @example
 * const backend = await selectBackend();        // "wasm" on a machine without tfjs-node
 * await selectBackend("cpu");                    // force the pure-JS backend
 */
export async function selectBackend(name: BackendName | "auto" = "auto"): Promise<BackendName> {
  tf.enableProdMode();
  if (name === "auto") {
    if (active) return active;
    for (const candidate of BACKEND_PREFERENCE) {
      try {
        await load(candidate);
        active = candidate;
        return candidate;
      } catch (e) {
        failures[candidate] = e instanceof Error ? e.message.split("\n")[0]! : String(e);
      }
    }
    throw new TunebookError("no TensorFlow.js backend could be loaded: " + JSON.stringify(failures));
  }
  if (!BACKEND_PREFERENCE.includes(name)) {
    throw new TunebookError(`unknown backend "${name}" (expected auto, ${BACKEND_PREFERENCE.join(", ")})`, undefined, undefined, "backend");
  }
  if (active === name && tf.getBackend() === TFJS_NAME[name]) return name;
  try {
    await load(name);
  } catch (e) {
    const why = e instanceof Error ? e.message.split("\n")[0]! : String(e);
    failures[name] = why;
    throw new TunebookError(`backend "${name}" could not be loaded: ${why}`, undefined, undefined, "backend");
  }
  active = name;
  return name;
}
