// Bundles each view (js/*.js) into vibe_widgets/static/ and minifies the offline HTML vendor files.
import { build } from "esbuild";
import { copyFileSync, mkdirSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const outdir = join(root, "vibe_widgets", "static");
mkdirSync(join(outdir, "vendor"), { recursive: true });

const views = readdirSync(join(root, "js"))
  .filter((name) => name.endsWith(".js"))
  .map((name) => join(root, "js", name));

// anywidget imports `_esm` from a blob: URL, where relative imports cannot resolve: bundle.
await build({
  entryPoints: views,
  bundle: true,
  format: "esm",
  outdir,
  target: "es2020",
  minify: false,
  logLevel: "warning",
});

// Styles travel beside their view (anywidget's `_css`).
for (const name of readdirSync(join(root, "js")).filter((n) => n.endsWith(".css"))) {
  copyFileSync(join(root, "js", name), join(outdir, name));
}

// require.js and the widget manager for static HTML pages, which must not use CDNs.
await build({
  entryPoints: [join(root, "node_modules/requirejs/require.js")],
  outfile: join(outdir, "vendor", "require.min.js"),
  minify: true,
  legalComments: "inline",
  logLevel: "warning",
});
// Already a built AMD bundle (mostly inlined fonts): copied as published.
copyFileSync(
  join(root, "node_modules/@jupyter-widgets/html-manager/dist/embed-amd.js"),
  join(outdir, "vendor", "embed-amd.js"),
);
