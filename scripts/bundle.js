// Bundles the CLI (from the TypeScript sources, after tsc has checked them)
// for bin/ocits, which runs dist/ocits.cjs on dist/node:
//
//   dist/node          link to the pinned Node (scripts/pinned-node.js)
//   dist/ocits.cjs     the entry (lib/cli/entry.ts): picks the command's bundle
//   dist/cmd/NAME.js   one bundle per subcommand (lib/cli/fastpath.ts): what
//                      that command uses and nothing else
//   dist/ocits.js      the whole CLI with yargs (help, usage errors, --version)
//
// Every bundle but the entry is one function expression (the CommonJS
// wrapper, so the entry runs it without node:module), and has a V8 code cache
// beside it (NAME.js.cache), made by the pinned Node after warming the
// bundle's hot path (scripts/code-cache.js): `ocits` starts by deserializing
// the compiled code of its own command instead of compiling it.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const { pinnedNode } = require('./pinned-node');

const top = path.join(__dirname, '..');
const dist = path.join(top, 'dist');
const cmdDir = path.join(dist, 'cmd');
let commit = 'unknown';
try {
  commit = execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], { cwd: top, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
} catch {
  /* not a git checkout */
}

const esbuild = require('esbuild');
const common = {
  bundle: true,
  platform: 'node',
  target: 'node24',
  format: 'cjs',
  minifySyntax: true,
  minifyWhitespace: true,
  legalComments: 'none',
  logLevel: 'error',
  define: { __OCITS_COMMIT__: JSON.stringify(commit) },
  // yargs is needed only off the fast path (help, usage errors): loaded from
  // node_modules then, it keeps the whole CLI's bundle and cache small.
  external: ['yargs', 'yargs/*'],
};
/**
 * esbuild gives every `import * as fs from 'node:fs'` a copy of the module's
 * namespace (__toESM: a getter per export, some 100 for fs) for ESM's
 * `default`; ocits never default-imports a builtin (checked here), so each
 * such import is the module itself.
 */
function plainBuiltins(text) {
  return text.replace(/__toESM\(require\("(node:[a-z_/]+)"\)\)/g, 'require("$1")');
}
for (const file of sources(path.join(top, 'lib'))) {
  const m = /^import\s+(?!type\b)[\w$]+\s*(,|from)\s*['"]node:/m.exec(fs.readFileSync(file, 'utf8'));
  if (m) throw new Error(`bundle: ${path.relative(top, file)} default-imports a builtin; use \`import * as\` or named imports`);
}

/** The .ts files under dir. */
function sources(dir) {
  return fs.readdirSync(dir, { withFileTypes: true, recursive: true }).filter((d) => d.isFile() && d.name.endsWith('.ts')).map((d) => path.join(d.parentPath, d.name));
}

/** esbuild, then plainBuiltins on what it wrote. */
function build(options) {
  const r = esbuild.buildSync({ ...options, write: false });
  for (const f of r.outputFiles) fs.writeFileSync(f.path, plainBuiltins(f.text));
}

const wrapped = { banner: { js: '(function (exports, require, module, __filename, __dirname) {' }, footer: { js: '})' } };

/** The subcommands of lib/cli/main.ts: name, aliases and module (lib/cli/NAME.ts exports it as `command`). */
function commands() {
  const { COMMANDS } = require(path.join(dist, 'lib', 'cli', 'main.js'));
  return COMMANDS.map((c) => {
    const name = c.command.split(' ')[0];
    let mod;
    try {
      mod = require(path.join(dist, 'lib', 'cli', `${name}.js`));
    } catch {
      /* checked below */
    }
    if (!/^[a-z]+$/.test(name) || mod?.command !== c) {
      throw new Error(`bundle: command "${name}" must be exported as \`command\` by lib/cli/${name}.ts`);
    }
    return { name, aliases: c.aliases ?? [] };
  });
}

fs.rmSync(cmdDir, { recursive: true, force: true });
fs.mkdirSync(cmdDir, { recursive: true });
build({ ...common, entryPoints: [path.join(top, 'lib', 'cli', 'entry.ts')], outfile: path.join(dist, 'ocits.cjs') });
build({ ...common, ...wrapped, entryPoints: [path.join(top, 'lib', 'cli', 'main.ts')], outfile: path.join(dist, 'ocits.js') });
const bundles = [path.join(dist, 'ocits.js')];
for (const { name, aliases } of commands()) {
  const outfile = path.join(cmdDir, `${name}.js`);
  build({
    ...common,
    ...wrapped,
    stdin: {
      contents: [
        `import { command } from './lib/cli/${name}';`,
        `import { runCommand, warmCommand } from './lib/cli/fastpath';`,
        `export function main(argv: string[], full: () => void): void { runCommand(command as never, argv, full); }`,
        `export function warm(): void { warmCommand(command as never); }`,
      ].join('\n'),
      resolveDir: top,
      sourcefile: `${name}.ts`,
      loader: 'ts',
    },
    outfile,
  });
  bundles.push(outfile);
  for (const alias of aliases) bundles.push({ alias: path.join(cmdDir, `${alias}.js`), of: outfile });
}

const node = pinnedNode();
// The Node options bin/ocits runs with: the caches must be made under the same.
const flags = /^node_flags="([^"]*)"$/m.exec(fs.readFileSync(path.join(top, 'bin', 'ocits'), 'utf8'));
if (!flags) throw new Error('bundle: no node_flags="..." line in bin/ocits');
fs.rmSync(path.join(dist, 'node'), { force: true });
fs.symlinkSync(path.relative(dist, node), path.join(dist, 'node'));
// The cache must come from the very Node that will read it (V8 refuses another's).
const files = bundles.filter((b) => typeof b === 'string');
execFileSync(node, [...flags[1].split(' ').filter(Boolean), path.join(__dirname, 'code-cache.js'), ...files], { stdio: 'inherit' });
for (const b of bundles) {
  if (typeof b === 'string') continue;
  fs.copyFileSync(b.of, b.alias);
  fs.copyFileSync(`${b.of}.cache`, `${b.alias}.cache`);
}
const size = (f) => fs.statSync(f).size;
console.log(
  `bundle: dist/ocits.cjs (${size(path.join(dist, 'ocits.cjs'))} bytes), dist/ocits.js (${size(files[0])}), ` +
    `${files.length - 1} commands in dist/cmd (${files.slice(1).map((f) => `${path.basename(f, '.js')} ${size(f)}`).join(', ')}), with code caches; dist/node -> ${node}`,
);
