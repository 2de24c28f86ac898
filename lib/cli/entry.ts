/**
 * The first script of every ocits process (bin/ocits runs it, bundled as
 * dist/ocits.cjs, on the pinned Node). It runs the command named in argv
 * from that command's own bundle, dist/cmd/NAME.js, compiled from the V8 code
 * cache the build made for it (NAME.js.cache): a call loads its own code and
 * nothing else (see fastpath.ts). Without a command, or one that has no
 * bundle, and whenever the fast path is unsure of argv, the whole CLI
 * (dist/ocits.js, main.ts) runs instead.
 *
 * Each bundle is one function expression (the build wraps it); the build
 * makes the cache from exactly that text (scripts/code-cache.js).
 */
import { readFileSync } from 'node:fs';
import { Script } from 'node:vm';
import { primeMigration } from '../cgroups/prime';
import { subcommandIndex } from './globals';

type Main = (argv: string[], full: () => void) => void;
type Wrapped = (exports: object, req: NodeJS.Require, module: { exports: object }, filename: string, dirname: string) => void;

/** A bundle's text, or undefined when there is none. */
function source(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

/** Compile (with its code cache when there is one) and run a bundle; its exports. */
function load(dir: string, base: string, text: string): { main: Main } {
  const file = `${dir}/${base}`;
  let cachedData: Buffer | undefined;
  try {
    cachedData = readFileSync(`${file}.cache`);
  } catch {
    /* no cache: compiled from source */
  }
  const fn = new Script(text, { filename: file, cachedData }).runInThisContext() as Wrapped;
  const mod = { exports: {} };
  fn(mod.exports, require, mod, file, dir);
  return mod.exports as { main: Main };
}

const argv = process.argv.slice(2);
const name = argv[subcommandIndex(argv)];
// create and run place a process in a cgroup: start the kernel's slow part of
// that now, in parallel with loading the command (see lib/cgroups/prime.ts).
if (name === 'create' || name === 'run') primeMigration();
const full = (): void => {
  const file = `${__dirname}/ocits.js`;
  const text = source(file);
  if (text === undefined) throw new Error(`ocits: ${file} is missing (run npm install)`);
  load(__dirname, 'ocits.js', text).main(argv, full);
};
const dir = `${__dirname}/cmd`;
const own = name !== undefined && /^[a-z]+$/.test(name) ? source(`${dir}/${name}.js`) : undefined;
if (own === undefined) full();
else load(dir, `${name}.js`, own).main(argv, full);
