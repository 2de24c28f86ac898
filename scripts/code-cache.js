// Build step, run by scripts/bundle.js on the pinned Node (the one whose V8
// will read the caches): for each bundle given (a wrapped function
// expression, see bundle.js), compile it as lib/cli/entry.ts does, run its
// top level and its warm() (the command's hot path, touching nothing but a
// temp dir), and write the V8 code cache of everything compiled meanwhile to
// FILE.cache.
//
//   dist/node scripts/code-cache.js dist/ocits.js dist/cmd/state.js ...
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');

for (const file of process.argv.slice(2)) {
  const script = new vm.Script(fs.readFileSync(file, 'utf8'), { filename: file });
  const mod = { exports: {} };
  script.runInThisContext()(mod.exports, require, mod, file, path.dirname(file));
  mod.exports.warm();
  fs.writeFileSync(`${file}.cache`, script.createCachedData());
}
