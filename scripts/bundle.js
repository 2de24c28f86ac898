// Bundles the compiled CLI (dist/lib) with its dependencies into one file,
// dist/ocits.js, and records a V8 code cache for it (dist/ocits.js.cache):
// `ocits` starts by loading one pre-compiled script instead of resolving and
// compiling some eighty modules (see bin/ocits).
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');
const Module = require('node:module');
const { execFileSync } = require('node:child_process');

const top = path.join(__dirname, '..');
const out = path.join(top, 'dist', 'ocits.js');
let commit = 'unknown';
try {
  commit = execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], { cwd: top, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
} catch {
  /* not a git checkout */
}

require('esbuild').buildSync({
  entryPoints: [path.join(top, 'dist', 'lib', 'cli', 'main.js')],
  outfile: out,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  minifySyntax: true,
  minifyWhitespace: true,
  legalComments: 'none',
  logLevel: 'error',
  define: { __OCITS_COMMIT__: JSON.stringify(commit) },
  alias: { assert: path.join(__dirname, 'shims', 'assert.js') },
  // yargs is needed only off the fast path (help, usage errors): loaded from
  // node_modules then, it keeps the hot bundle and its code cache small.
  external: ['yargs', 'yargs/*'],
});

// Warm the script on a representative path (argument parsing, config
// validation) so that the code cache holds the functions every command needs.
const src = fs.readFileSync(out, 'utf8');
const script = new vm.Script(Module.wrap(src), { filename: out });
const mod = { exports: {} };
script.runInThisContext().call(mod.exports, mod.exports, Module.createRequire(out), mod, out, path.dirname(out));
mod.exports.warm();

fs.writeFileSync(out + '.cache', script.createCachedData());
console.log(`bundle: wrote ${path.relative(top, out)} (${fs.statSync(out).size} bytes) and its code cache`);
