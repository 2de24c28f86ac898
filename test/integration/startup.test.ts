// How ocits starts (bin/ocits -> dist/node -> dist/ocits.cjs -> dist/cmd/NAME.js):
// it runs on the pinned Node 24 with nothing of the caller's environment,
// every bundle's V8 code cache is one that Node accepts under bin/ocits's
// flags, and a call loads its own command's bundle and nothing else.
import t from 'tap'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { spawnSync } from 'node:child_process'
import { isOcits, makeBundle, makeTempDir, runtime, runtimeBin } from '../helpers'

const BIN = runtimeBin()
const TOP = path.resolve(__dirname, '../..')
const DIST = path.join(TOP, 'dist')

if (!isOcits()) {
  t.pass('ocits start-up only (the runtime under test is not ocits)')
} else {
  /** bin/ocits ARGS with exactly `env` as its environment (env(1) -i: no PATH, no HOME). */
  const bare = (env: Record<string, string>, args: string[]) =>
    spawnSync('/usr/bin/env', ['-i', ...Object.entries(env).map(([k, v]) => `${k}=${v}`), BIN, ...args], { encoding: 'utf8', timeout: 30_000 })

  t.test('bin/ocits runs on the pinned Node 24, whatever node PATH has', async (t) => {
    const r = bare({}, ['--version'])
    t.equal(r.status, 0, r.stderr)
    t.match(r.stdout, /^node: v24\.\d+\.\d+$/m, 'node: v24 in --version')
    const pinned = require(path.join(TOP, 'scripts', 'pinned-node.js')).pinnedNode()
    t.equal(fs.realpathSync(path.join(DIST, 'node')), fs.realpathSync(pinned), 'dist/node is the package npm installed')
  })

  t.test('a container through its lifecycle with an empty environment (as Podman calls state, kill, delete)', async (t) => {
    const { root, track } = runtime(t)
    const b = makeBundle(t, ['sleep', '1000'])
    track(b.id)
    const env = { XDG_RUNTIME_DIR: '/run/user/0' }
    const c = bare(env, ['--root', root, 'create', '--bundle', b.dir, b.id])
    t.equal(c.status, 0, `create: ${c.stderr}`)
    t.equal(bare(env, ['--root', root, 'start', b.id]).status, 0, 'start')
    const s = bare(env, ['--root', root, 'state', b.id])
    t.equal(s.status, 0, s.stderr)
    t.equal(JSON.parse(s.stdout).status, 'running', 'state says running')
    t.equal(bare(env, ['--root', root, 'kill', b.id, 'KILL']).status, 0, 'kill')
    for (let i = 0; i < 100 && JSON.parse(bare(env, ['--root', root, 'state', b.id]).stdout).status !== 'stopped'; i++) {
      await new Promise((r) => setTimeout(r, 50))
    }
    const d = bare(env, ['--root', root, 'delete', b.id])
    t.equal(d.status, 0, `delete: ${d.stderr}`)
    t.notOk(fs.existsSync(path.join(root, b.id)), 'state dir gone')
  })

  t.test("the caller's NODE_* variables do not reach the runtime's Node", async (t) => {
    const root = makeTempDir(t, 'root')
    const r = bare({ NODE_OPTIONS: '--require /nonexistent/preload.js', NODE_PATH: '/nonexistent' }, ['--root', root, 'list', '-q'])
    t.equal(r.status, 0, r.stderr)
    t.equal(r.stderr, '', 'no error from a --require of a missing file')
  })

  t.test('bin/ocits installed as a symlink elsewhere', async (t) => {
    const dir = makeTempDir(t, 'link')
    fs.symlinkSync(BIN, path.join(dir, 'ocits'))
    const r = spawnSync(path.join(dir, 'ocits'), ['--root', dir, 'list', '-q'], { encoding: 'utf8' })
    t.equal(r.status, 0, r.stderr)
  })

  t.test("every bundle's code cache is accepted by that Node under bin/ocits's flags", async (t) => {
    const flags = /^node_flags="([^"]*)"$/m.exec(fs.readFileSync(BIN, 'utf8'))?.[1].split(' ').filter(Boolean) ?? []
    t.ok(flags.length, `bin/ocits's node_flags: ${flags.join(' ')}`)
    const bundles = [path.join(DIST, 'ocits.js'), ...fs.readdirSync(path.join(DIST, 'cmd')).filter((f) => f.endsWith('.js')).map((f) => path.join(DIST, 'cmd', f))]
    t.ok(bundles.length > 10, `${bundles.length} bundles`)
    const probe = `const fs = require('fs'), vm = require('vm');
      for (const f of process.argv.slice(1)) {
        const s = new vm.Script(fs.readFileSync(f, 'utf8'), { filename: f, cachedData: fs.readFileSync(f + '.cache') });
        console.log(f + ' ' + (s.cachedDataRejected ? 'rejected' : 'accepted'));
      }`
    const r = spawnSync(path.join(DIST, 'node'), [...flags, '-e', probe, ...bundles], { encoding: 'utf8' })
    t.equal(r.status, 0, r.stderr)
    for (const f of bundles) t.match(r.stdout, new RegExp(`^${f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} accepted$`, 'm'), path.relative(TOP, f))
  })

  t.test('the per-call commands bundle no validator, planner or yargs', async (t) => {
    for (const name of ['state', 'start', 'kill', 'delete', 'list', 'ps', 'pause', 'resume']) {
      const text = fs.readFileSync(path.join(DIST, 'cmd', `${name}.js`), 'utf8')
      t.notOk(/validateConfig|function buildPlan|function encodePlan|yargs/.test(text), `${name}: none of validateConfig, buildPlan, encodePlan, yargs`)
    }
  })

  const strace = ['/usr/bin/strace', '/bin/strace'].find((p) => fs.existsSync(p))
  t.test('state reads its own bundle and nothing else of dist/', { skip: strace ? false : 'strace is not installed' }, async (t) => {
    const root = makeTempDir(t, 'root')
    const log = path.join(makeTempDir(t, 'strace'), 'trace')
    const r = spawnSync(strace!, ['-f', '-e', 'trace=openat,open', '-o', log, BIN, '--root', root, 'state', 'nonexistent'], { encoding: 'utf8' })
    t.equal(r.status, 1, 'state of a missing container fails')
    t.match(r.stderr, /container nonexistent does not exist/)
    const opened = [...fs.readFileSync(log, 'utf8').matchAll(/open(?:at)?\((?:AT_FDCWD, )?"([^"]+)"/g)].map((m) => m[1]).filter((p) => p.startsWith(DIST + '/') || p.includes('/dist/'))
    const ours = opened.map((p) => path.relative(DIST, p)).filter((p) => !p.startsWith('..'))
    t.same([...new Set(ours)].sort(), ['cmd/state.js', 'cmd/state.js.cache', 'ocits.cjs'], 'only the entry and the state bundle with its cache')
  })

  t.test('what the fast path is unsure of goes to the whole CLI', async (t) => {
    const root = makeTempDir(t, 'root')
    const help = spawnSync(BIN, ['--root', root, 'state', '--help'], { encoding: 'utf8' })
    t.equal(help.status, 0, help.stderr)
    t.match(help.stdout, /output the state of a container/, 'state --help: yargs help')
    const unknown = spawnSync(BIN, ['--root', root, 'state', '--bogus', 'x'], { encoding: 'utf8' })
    t.equal(unknown.status, 1)
    t.match(unknown.stderr, /^ocits: flag provided but not defined: -bogus$/m, 'an unknown flag, as runc words it')
    const none = spawnSync(BIN, ['--root', root, 'nosuchcommand'], { encoding: 'utf8' })
    t.equal(none.status, 3, 'an unknown command fails as runc: exit code 3')
    t.match(none.stderr, /No help topic for 'nosuchcommand'/, "runc's words")
  })
}
