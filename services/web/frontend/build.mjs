// Builds the co-op app from src/ (ADR 0019, "Speed"). Run after changing src/ or a version in
// package.json: `npm ci && npm run build`, then commit what it wrote; a test checks that the committed
// files are what src/ builds to.
//
// - ../templates/start.js: what the first screens need (app.js and what the sign-in and the weigh-in
//   import statically, idb included) as ONE script, which the web service puts into the page itself:
//   on a slow link every further file is another round trip before the clerk can type.
// - ../static/: every other module (the other screens, reference.js), one file each, loaded with
//   import() when first opened and kept by the service worker. They share the start's modules (one access token, one
//   outbox, one refused write being fixed), which the start script hands over in
//   `globalThis.htxStart`: an inline script has no address a module could import it by.
import { build } from "esbuild";
import { copyFileSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const src = join(here, "src");
const web = dirname(here);
// `node build.mjs OUT`: build into OUT/templates and OUT/static instead (the test compares them).
const out = process.argv[2] || web;
const START_ENTRIES = ["app.js", "screens/login.js", "screens/delivery.js"];
const SHARED = "htxStart";
const common = { bundle: true, format: "esm", target: "es2022", minify: true, charset: "utf8", legalComments: "none", logLevel: "warning" };

const moduleName = (path) => relative(src, path).split("\\").join("/");
const inSrc = (path) => !relative(src, path).startsWith("..");

// 1. The start: which modules it holds (esbuild's own resolution, from a metafile).
const probe = await build({
  ...common,
  entryPoints: START_ENTRIES.map((name) => join(src, name)),
  outdir: "unused",
  write: false,
  metafile: true,
  splitting: true,
  plugins: [lazyModulesExternal(new Set())],
});
const startModules = new Set(
  Object.keys(probe.metafile.inputs)
    .map((path) => join(here, path))
    .filter(inSrc)
    .map(moduleName),
);

// Modules outside the start are imported with import() by their address under /static/.
function lazyModulesExternal(start) {
  return {
    name: "lazy-modules",
    setup(b) {
      b.onResolve({ filter: /^\./, namespace: "file" }, (args) => {
        if (args.kind !== "dynamic-import") return undefined;
        const name = moduleName(join(args.resolveDir, args.path));
        if (START_ENTRIES.includes(name) || start.has(name)) return undefined;
        return { path: `/static/${name}`, external: true };
      });
    },
  };
}

// The start, its modules handed over before app.js runs (imports are evaluated in order).
const handOver = [...startModules].sort().filter((name) => name !== "app.js");
const startEntry = [
  ...handOver.map((name, i) => `import * as m${i} from "./${name}";`),
  `globalThis.${SHARED} = Object.freeze({ ${handOver.map((name, i) => `${JSON.stringify(name)}: m${i}`).join(", ")} });`,
].join("\n");
const start = await build({
  ...common,
  stdin: { contents: `import "handover";\nimport "./app.js";\n`, resolveDir: src, sourcefile: "start.js" },
  write: false,
  plugins: [
    lazyModulesExternal(startModules),
    {
      name: "handover",
      setup(b) {
        b.onResolve({ filter: /^handover$/ }, () => ({ path: "handover", namespace: "handover" }));
        b.onLoad({ filter: /.*/, namespace: "handover" }, () => ({ contents: startEntry, resolveDir: src }));
      },
    },
  ],
});

// 2. The other modules, one file each as in src/ (what they import of each other stays an import by
// address); what they import from the start is read from the start's hand-over.
const lazyEntries = listModules(src).filter((name) => !startModules.has(name));
const lazy = await build({
  ...common,
  entryPoints: lazyEntries.map((name) => join(src, name)),
  outdir: join(out, "static"),
  outbase: src,
  write: false,
  plugins: [
    {
      name: "from-start",
      setup(b) {
        b.onResolve({ filter: /^\./, namespace: "file" }, (args) => {
          const name = moduleName(join(args.resolveDir, args.path));
          if (startModules.has(name)) return { path: name, namespace: "start" };
          return { path: args.path, external: true };
        });
        // CommonJS to esbuild: named imports of it are read from the object when used, so live.
        b.onLoad({ filter: /.*/, namespace: "start" }, (args) => ({
          contents: `module.exports = globalThis.${SHARED}[${JSON.stringify(args.path)}];`,
        }));
      },
    },
  ],
});

function listModules(dir, prefix = "") {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) =>
      entry.isDirectory() ? listModules(join(dir, entry.name), `${prefix}${entry.name}/`) : [`${prefix}${entry.name}`],
    )
    .filter((name) => name.endsWith(".js"))
    .sort();
}

// Written only once both built: a failed build leaves the committed files as they were.
for (const generated of ["screens", ...lazyEntries.filter((name) => !name.includes("/"))]) {
  rmSync(join(out, "static", generated), { recursive: true, force: true });
}
mkdirSync(join(out, "templates"), { recursive: true });
writeFileSync(join(out, "templates", "start.js"), start.outputFiles[0].text);
for (const file of lazy.outputFiles) {
  mkdirSync(dirname(file.path), { recursive: true });
  writeFileSync(file.path, file.text);
}
mkdirSync(join(out, "static", "vendor"), { recursive: true });
copyFileSync(join(here, "node_modules/idb/LICENSE"), join(out, "static", "vendor", "idb.LICENSE"));
console.log(`start: ${[...startModules].sort().join(", ")} (${start.outputFiles[0].text.length} bytes); lazy: ${lazyEntries.length} modules`);
