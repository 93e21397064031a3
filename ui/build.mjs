// Builds the console into dist/ui: one script and one stylesheet with content hashes, and
// an index.html that names them. Run by `npm run build` (so by `npm install`); nothing is
// fetched from the network, now or when the page runs.
import { build } from 'esbuild';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(fileURLToPath(import.meta.url));
const outdir = path.join(root, '..', 'dist', 'ui');

await rm(outdir, { recursive: true, force: true });
await mkdir(outdir, { recursive: true });
const result = await build({
  entryPoints: [path.join(root, 'src', 'main.tsx')],
  bundle: true,
  minify: true,
  format: 'esm',
  target: 'es2020',
  jsx: 'automatic',
  jsxImportSource: 'preact',
  outdir,
  entryNames: '[name]-[hash]',
  metafile: true,
  legalComments: 'none',
  logLevel: 'warning',
});
const outputs = Object.keys(result.metafile.outputs).map((file) => path.basename(file));
const script = outputs.find((f) => f.endsWith('.js'));
const style = outputs.find((f) => f.endsWith('.css'));
if (!script || !style) throw new Error('the console build made no script or no stylesheet');

// No inline script or style: the CSP allows only files from the server.
const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>hotconf console</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/ui/${style}">
<script type="module" src="/ui/${script}"></script>
</head>
<body>
<div id="app"><p>Loading the hotconf console…</p></div>
<noscript><p>The hotconf console needs JavaScript. The same data is in the JSON API under /v1.</p></noscript>
</body>
</html>
`;
await writeFile(path.join(outdir, 'index.html'), html);
