/**
 * `npm run build` (after tsc): tunebook's partial plotly.js. plotly.js's core (scatter, axes,
 * legend, hover, modebar, shapes, annotations, toImage) plus the trace modules of
 * each partial bundle (src/plots/plotlyBundle.ts), from the plotly.js package in node_modules, bundled and minified with
 * esbuild the way plotly's own build does (its esbuild-config.js: IIFE with the global `Plotly`,
 * `global` = window, regl aliased to @plotly/regl). Written to dist/plotly/ with plotly's license;
 * the output depends only on the locked plotly.js and esbuild versions, so it is the same on every
 * machine.
 *
 * Built at build time rather than committed: the bundle always matches the locked plotly.js, no
 * 1.3 MB generated file enters the history at each plotly upgrade, and `npm ci` (whose `prepare`
 * runs this build) is all a checkout or CI needs. dist/ is what the package ships.
 */
import { copyFileSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import type { PlotlyBundle } from "../src/plots/plotlyBundle.js";
import { LEFT_OUT_AXIS_KEYS, LEFT_OUT_LAYOUT_KEYS, PARTIAL_BUNDLES, partialBundlePath } from "../src/plots/plotlyBundle.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(join(root, "package.json"));
const plotlyDir = dirname(require.resolve("plotly.js/package.json"));
const version = (JSON.parse(readFileSync(join(plotlyDir, "package.json"), "utf8")) as { version: string }).version;

/**
 * plotly's src/core.js without the components no tunebook figure uses (updatemenus, sliders,
 * images, range sliders and selectors, layout.grid, 3-D annotations: about 60 kB). plotly asks
 * its registry for components by name and skips absent ones; a figure that uses one of them gets
 * the full bundle (LEFT_OUT_LAYOUT_KEYS). The rest is core.js as it is.
 */
const left = [...LEFT_OUT_LAYOUT_KEYS, ...LEFT_OUT_AXIS_KEYS, "annotations3d"];
const coreSource = readFileSync(join(plotlyDir, "src/core.js"), "utf8");
const components = [...coreSource.matchAll(/require\('\.\/components\/([a-z0-9]+)'\)/g)].map((m) => m[1]!);
for (const c of left) if (!components.includes(c)) throw new Error(`plotly.js ${version}: src/core.js no longer registers the ${c} component; update scripts/build-plotly.ts`);
let core = coreSource;
for (const c of left) core = core.replace(new RegExp(`\\n\\s*require\\('\\./components/${c}'\\),?`), "");

async function bundle(name: Exclude<PlotlyBundle, "full">, traces: readonly string[]): Promise<number> {
  // core registers scatter itself; every other type is one `lib/<type>` module.
  // Resolved as if it were plotly's src/core.js.
  const entry = `${core}
exports.register([${traces.filter((t) => t !== "scatter").map((t) => `require("../lib/${t}")`).join(", ")}]);
`;
  const out = join(root, partialBundlePath(name));
  const result = await build({
    stdin: { contents: entry, resolveDir: join(plotlyDir, "src"), sourcefile: `plotly-${name}-entry.js`, loader: "js" },
    bundle: true,
    minify: true,
    format: "iife",
    globalName: "Plotly",
    platform: "browser",
    target: "es2016",
    banner: { js: `/*! plotly.js v${version}, tunebook's partial bundle "${name}" (traces: ${traces.join(", ")}) | (c) Plotly, Inc. | MIT License */` },
    define: { global: "window", "define.amd": "false", "process.env.NODE_DEBUG": "false" },
    alias: { regl: "@plotly/regl", stream: "stream-browserify" },
    // The only stylesheet plotly requires is maplibre's, for map traces, which these bundles leave out.
    loader: { ".css": "empty" },
    write: false,
    outfile: out,
    logLevel: "warning",
  });
  const js = result.outputFiles.find((f) => f.path === out);
  if (!js) throw new Error(`esbuild wrote no ${out}`);
  mkdirSync(dirname(out), { recursive: true });
  // Atomic: a report written during the build never inlines half a bundle.
  writeFileSync(`${out}.tmp`, js.contents);
  renameSync(`${out}.tmp`, out);
  return js.contents.length;
}

const t0 = performance.now();
const sizes: string[] = [];
for (const b of PARTIAL_BUNDLES) sizes.push(`${b.name} ${((await bundle(b.name, b.traces)) / 1e6).toFixed(2)} MB`);
copyFileSync(join(plotlyDir, "LICENSE"), join(root, "dist/plotly/LICENSE"));
process.stdout.write(`plotly.js ${version} partial bundles in dist/plotly/: ${sizes.join(", ")} (${((performance.now() - t0) / 1000).toFixed(1)} s)\n`);
