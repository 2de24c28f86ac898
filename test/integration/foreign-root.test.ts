// A --root that holds entries ocits did not write: Docker 20.10 gives every
// runtime the same root, so runc's own containers sit beside ocits' ones, and
// a root may hold empty dirs, truncated or odd state files, random files.
// Every command on every such entry gives a clear error (or, for list, skips
// it with a debug note), never a JavaScript exception text, and leaves the
// entry exactly as it was; runc's container keeps running.
import t from 'tap'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { spawnSync } from 'node:child_process'
import { diag, makeBundle, referenceRunc, runtime, stateOf, type RunResult } from '../helpers'

/** What an uncaught JavaScript error looks like when it reaches a user. */
const JS_TEXT = /TypeError|ReferenceError|RangeError|SyntaxError|undefined|is not iterable|Cannot read prop|is not a function|Unexpected token|in JSON at position|Symbol\(|\n\s+at \S+ \(/

/** Every entry of the root, as written: path relative to the root -> content (dirs: '<dir>'). */
function snapshot(root: string): Record<string, string> {
  const out: Record<string, string> = {}
  const walk = (rel: string) => {
    const p = path.join(root, rel)
    const st = fs.lstatSync(p)
    if (st.isSymbolicLink()) out[rel] = `-> ${fs.readlinkSync(p)}`
    else if (st.isDirectory()) {
      out[rel] = '<dir>'
      for (const e of fs.readdirSync(p)) walk(path.join(rel, e))
    } else if (st.isFIFO()) out[rel] = '<fifo>'
    else out[rel] = fs.readFileSync(p, 'utf8')
  }
  for (const e of fs.readdirSync(root)) walk(e)
  return out
}

t.test('every command on a root full of entries ocits did not write', async (t) => {
  const r = runtime(t)
  const root = r.root
  const runc = referenceRunc()

  // One real ocits container: list must still show it.
  const ours = makeBundle(t, ['sleep', '1000'])
  const c = await r.rt(['run', '-d', '--bundle', ours.dir, ours.id])
  t.equal(c.code, 0, 'an ocits container runs in the root', diag(c))

  // runc's own container in the same root (as under Docker), when runc is here.
  let runcId: string | undefined
  if (runc) {
    const rb = makeBundle(t, ['sleep', '1000'])
    runcId = `runc-${rb.id}`
    // stdio not a pipe: the detached container would hold it open
    const errFile = path.join(rb.dir, 'runc.err')
    const errFd = fs.openSync(errFile, 'w')
    const rr = spawnSync(runc, ['--root', root, 'run', '-d', '--bundle', rb.dir, runcId], { stdio: ['ignore', 'ignore', errFd] })
    fs.closeSync(errFd)
    t.teardown(() => spawnSync(runc, ['--root', root, 'delete', '--force', runcId!], { stdio: 'ignore' }))
    t.equal(rr.status, 0, "runc's container runs in the same root", { stderr: fs.readFileSync(errFile, 'utf8') })
  }

  const entries: Record<string, (dir: string) => void> = {
    'empty-dir': () => {},
    truncated: (d) => fs.writeFileSync(path.join(d, 'state.json'), '{"ociVersion":"1.0.2","id":"truncated","pi'),
    'state-is-dir': (d) => fs.mkdirSync(path.join(d, 'state.json')),
    'json-null': (d) => fs.writeFileSync(path.join(d, 'state.json'), 'null'),
    'json-array': (d) => fs.writeFileSync(path.join(d, 'state.json'), '[1,2]'),
    'json-number': (d) => fs.writeFileSync(path.join(d, 'state.json'), '42'),
    'wrong-types': (d) => fs.writeFileSync(path.join(d, 'state.json'), JSON.stringify({ ociVersion: 1, id: 'wrong-types', pid: '7', bundle: [], cgroup: { paths: 5 }, hooks: 'x' })),
    'bad-cgroup': (d) =>
      fs.writeFileSync(
        path.join(d, 'state.json'),
        JSON.stringify({ ociVersion: '1.2.0', id: 'bad-cgroup', pid: 1, initStartTime: '1', bundle: '/b', rootfs: '/r', created: 'x', owner: '', cgroup: { driver: 'cgroupfs', mode: 'v1', paths: { pids: 3 }, bases: {} } }),
      ),
    'other-id': (d) =>
      fs.writeFileSync(path.join(d, 'state.json'), JSON.stringify({ ociVersion: '1.2.0', id: 'someone-else', pid: 0, initStartTime: '', bundle: '/b', rootfs: '/r', created: 'x', owner: '' })),
    'runc-format': (d) =>
      fs.writeFileSync(path.join(d, 'state.json'), JSON.stringify({ id: 'runc-format', init_process_pid: 1, init_process_start: 5, created: '2024-01-01T00:00:00Z', config: { mounts: null }, cgroup_paths: { '': '/sys/fs/cgroup/x' } })),
    'random-files': (d) => {
      fs.writeFileSync(path.join(d, 'notes.txt'), 'hello')
      fs.mkdirSync(path.join(d, 'sub'))
    },
  }
  for (const [id, fill] of Object.entries(entries)) {
    const d = path.join(root, id)
    fs.mkdirSync(d)
    fill(d)
  }
  fs.writeFileSync(path.join(root, 'a-file'), 'not a container')
  fs.symlinkSync('/etc', path.join(root, 'a-link'))
  fs.mkdirSync(path.join(root, 'bad name!'))
  // empty-dir is what a create cut off before its first write leaves: delete --force removes it (as runc)
  const keep = (m: Record<string, string>) => Object.fromEntries(Object.entries(m).filter(([k]) => k.split('/')[0] !== 'empty-dir'))
  const before = keep(snapshot(root))

  const clean = (what: string, res: RunResult) => {
    t.notMatch(res.stderr + res.stdout, JS_TEXT, `${what}: no JavaScript exception text`, diag(res))
    t.ok(res.code !== null && res.code <= 3 || res.code === 255, `${what}: an ordinary exit code`, diag(res))
  }

  const list = await r.rt(['list', '--format', 'json'])
  clean('list', list)
  t.equal(list.code, 0, 'list succeeds', diag(list))
  t.same((JSON.parse(list.stdout) as { id: string }[]).map((x) => x.id), [ours.id], 'list shows only the ocits container')
  const dbg = await r.rt(['--debug', 'list', '-q'])
  clean('list --debug', dbg)
  t.equal(dbg.stdout, `${ours.id}\n`, 'list -q: only ours')
  t.match(dbg.stderr, /skipping runc-format: .*runc's state format/, 'a debug note for the entry it skipped')
  for (const ln of ['table', 'q']) clean(`list ${ln}`, await r.rt(ln === 'q' ? ['list', '-q'] : ['list']))

  const bundle = makeBundle(t, ['true'])
  const ids = [...Object.keys(entries), 'a-file', 'a-link', ...(runcId ? [runcId] : [])]
  for (const id of ids) {
    for (const args of [
      ['state', id],
      ['kill', id, 'KILL'],
      ['kill', '--all', id, 'KILL'],
      ['start', id],
      ['pause', id],
      ['resume', id],
      ['ps', id],
      ['ps', '--format', 'json', id],
      ['events', '--stats', id],
      ['update', '--pids-limit', '5', id],
      ['exec', id, 'true'],
      ['delete', id],
      ['delete', '--force', id],
      ['create', '--bundle', bundle.dir, id],
      ['run', '-d', '--bundle', bundle.dir, id],
    ]) {
      // once delete --force removed it, the empty dir's id is free: create would (rightly) succeed
      if (id === 'empty-dir' && (args[0] === 'create' || args[0] === 'run')) continue
      const res = await r.rt(args)
      clean(args.join(' '), res)
      if (args[0] === 'state') t.not(res.code, 0, `state ${id}: an error`)
    }
  }
  const st = await r.rt(['state', 'runc-format'])
  t.match(st.stderr, /container runc-format was not created by ocits \(.*runc's state format\)/, "state of runc's entry says what it is")
  const junk = await r.rt(['delete', '--force', 'random-files'])
  t.equal(junk.code, 1, 'delete --force of a dir of random files fails')
  t.match(junk.stderr, /was not created by ocits .*notes\.txt/, 'and says why')

  t.same(keep(snapshot(root)), before, 'every foreign entry is exactly as it was')
  t.notOk(fs.existsSync(path.join(root, 'empty-dir')), 'the empty dir (a cut-off create) was removed by delete --force')
  t.equal((await stateOf(r, ours.id))?.status, 'running', 'the ocits container still runs')
  if (runc && runcId) {
    const rs = spawnSync(runc, ['--root', root, 'state', runcId], { encoding: 'utf8' })
    t.match(rs.stdout, /"status": "running"/, "runc's container still runs, as runc sees it")
  }
})
