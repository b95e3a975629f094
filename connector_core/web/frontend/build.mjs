// Builds the form page into ../static and the Ajv2020 test harness into ../../testing.
// Both are committed: the wheel ships them, so nothing needs Node at run time, and a
// test checks that `npm ci && npm run build` reproduces them byte for byte.
import { build } from "esbuild";
import { copyFile, mkdir } from "node:fs/promises";

const here = new URL(".", import.meta.url).pathname;
// BUILD_ROOT (default: the connector_core package) lets a test build elsewhere and compare.
const root = process.env.BUILD_ROOT || `${here}../..`;
const staticDir = `${root}/web/static`;
const common = { bundle: true, minify: true, legalComments: "eof", logLevel: "warning", charset: "utf8" };

await mkdir(staticDir, { recursive: true });
await build({
  ...common,
  entryPoints: [`${here}src/app.jsx`],
  outfile: `${staticDir}/app.js`,
  platform: "browser",
  format: "iife",
  target: ["chrome110", "firefox110", "safari16"],
  jsx: "automatic",
  define: { "process.env.NODE_ENV": '"production"' },
});
await build({
  ...common,
  entryPoints: [`${here}src/app.css`],
  outfile: `${staticDir}/app.css`,
});
await copyFile(`${here}src/index.html`, `${staticDir}/index.html`);
await build({
  ...common,
  entryPoints: [`${here}src/ajv-harness.js`],
  outfile: `${root}/testing/ajv_harness.cjs`,
  platform: "node",
  format: "cjs",
  target: ["node18"],
});
