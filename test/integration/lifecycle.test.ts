// The container lifecycle through the runc CLI contract: create, state,
// start, kill, delete, run, list, spec, features, and concurrency.
import t from 'tap'
import * as fs from 'node:fs'
import * as path from 'node:path'
import type { Test } from 'tap'
import {
  assertNoTrace,
  diag,
  existingCgroupDirs,
  makeBundle,
  makeTempDir,
  procAlive,
  procCmdline,
  runtime,
  stateOf,
  traceOf,
  waitFor,
  waitForStatus,
  withReference,
  type Bundle,
  type Runtime,
} from '../helpers'

const RFC3339NANO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/
const SEMVER = /^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/

/** A process that reports start and SIGTERM through files in its (writable) rootfs. */
const TRAP_SCRIPT = "trap 'echo term > /terminated; exit 0' TERM; echo started > /started; while :; do sleep 0.1; done"

function trapBundle(t: Test): Bundle {
  return makeBundle(t, (c) => {
    c.root.readonly = false
    c.process.args = ['sh', '-c', TRAP_SCRIPT]
  })
}

/**
 * `state` output exactly as runc prints it: key order, two-space indent, no
 * trailing newline, annotations only when non-empty.
 */
function checkStateShape(
  t: Test,
  stdout: string,
  want: { id: string; status: string; bundle: string; pid?: number; annotations?: Record<string, string> },
): Record<string, any> {
  let s: Record<string, any>
  try {
    s = JSON.parse(stdout)
  } catch {
    t.fail(`state prints JSON: ${JSON.stringify(stdout)}`)
    return {}
  }
  const keys = ['ociVersion', 'id', 'pid', 'status', 'bundle', 'rootfs', 'created']
  if (want.annotations && Object.keys(want.annotations).length) keys.push('annotations')
  keys.push('owner')
  t.same(Object.keys(s), keys, 'state keys in runc order')
  t.equal(stdout, JSON.stringify(s, null, 2), 'two-space indent, no trailing newline')
  t.match(s.ociVersion, SEMVER, 'ociVersion is a version')
  t.equal(s.id, want.id, 'id')
  t.equal(s.status, want.status, `status ${want.status}`)
  t.equal(s.bundle, want.bundle, 'bundle is the absolute bundle path')
  t.equal(s.rootfs, path.join(want.bundle, 'rootfs'), 'rootfs is the absolute rootfs path')
  t.match(s.created, RFC3339NANO, 'created is RFC3339')
  t.equal(s.owner, '', 'owner is ""')
  t.type(s.pid, 'number', 'pid is a number')
  if (want.pid !== undefined) t.equal(s.pid, want.pid, `pid ${want.pid}`)
  if (want.annotations) t.same(s.annotations, want.annotations, 'annotations')
  return s
}

async function expectFail(t: Test, r: Runtime, args: string[], re: RegExp, what: string): Promise<void> {
  const res = await r.rt(args)
  t.equal(res.code, 1, `${what}: exit code 1`, diag(res))
  t.match(res.stderr, re, `${what}: stderr says ${re}`)
}

t.test('create, state, start, kill (SIGTERM), state stopped, delete', async (t) => {
  const r = runtime(t)
  const b = trapBundle(t)
  const pidFile = path.join(b.dir, 'init.pid')

  const c = await r.rt(['create', '--bundle', b.dir, '--pid-file', pidFile, b.id])
  t.equal(c.code, 0, `create succeeds`, diag(c))
  t.equal(c.stdout, '', 'create prints nothing on stdout')
  const raw = fs.readFileSync(pidFile, 'utf8')
  t.match(raw, /^[1-9]\d*$/, 'pid file holds the pid with no trailing newline')
  const pid = Number(raw)
  t.ok(procAlive(pid), 'init is alive after create')
  t.notSame(procCmdline(pid), b.config.process.args, 'init has not exec()ed the process yet')
  t.notOk(fs.existsSync(path.join(b.rootfs, 'started')), 'process has not run before start')
  const cg = fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8').trim().split('\n')
  t.ok(cg.length > 0 && cg.every((l) => l.split(':').slice(2).join(':') === b.cgroupsPath),
    `init already sits in ${b.cgroupsPath} on every hierarchy`, { cgroup: cg })

  const s1 = await r.rt(['state', b.id])
  t.equal(s1.code, 0, `state succeeds`, diag(s1))
  checkStateShape(t, s1.stdout, { id: b.id, status: 'created', bundle: b.dir, pid })

  const st = await r.rt(['start', b.id])
  t.equal(st.code, 0, `start succeeds`, diag(st))
  t.equal(st.stdout, '', 'start prints nothing')
  t.ok(await waitFor(() => fs.existsSync(path.join(b.rootfs, 'started'))), 'the process ran (wrote /started)')
  const s2 = await r.rt(['state', b.id])
  checkStateShape(t, s2.stdout, { id: b.id, status: 'running', bundle: b.dir, pid })

  const k = await r.rt(['kill', b.id])
  t.equal(k.code, 0, `kill (default SIGTERM) succeeds`, diag(k))
  t.ok(await waitFor(() => fs.existsSync(path.join(b.rootfs, 'terminated'))), 'the process got SIGTERM')
  const stopped = await waitForStatus(r, b.id, 'stopped')
  t.equal(stopped?.status, 'stopped', 'status becomes stopped')
  const s3 = await r.rt(['state', b.id])
  checkStateShape(t, s3.stdout, { id: b.id, status: 'stopped', bundle: b.dir, pid: 0 })
  t.notOk(procAlive(pid), 'init is gone')

  await expectFail(t, r, ['kill', b.id], /container not running/, 'kill of a stopped container')
  await expectFail(t, r, ['kill', b.id, 'KILL'], /container not running/, 'kill KILL of a stopped container')

  const d = await r.rt(['delete', b.id])
  t.equal(d.code, 0, `delete of a stopped container succeeds`, diag(d))
  t.equal(d.stdout, '', 'delete prints nothing')
  await assertNoTrace(t, traceOf(r.root, b), 'after delete')
  await expectFail(t, r, ['state', b.id], /does not exist/, 'state after delete')
})

t.test('state shows annotations (only) when the config has some', async (t) => {
  const r = runtime(t)
  const b = makeBundle(t, (c) => {
    c.annotations = { 'org.ocits.test': 'yes', 'b.key': 'v' }
  })
  const c = await r.rt(['create', '--bundle', b.dir, b.id])
  t.equal(c.code, 0, `create`, diag(c))
  const s = await r.rt(['state', b.id])
  checkStateShape(t, s.stdout, { id: b.id, status: 'created', bundle: b.dir, annotations: b.config.annotations })
  const d = await r.rt(['delete', '--force', b.id])
  t.equal(d.code, 0, `delete --force`, diag(d))
  await assertNoTrace(t, traceOf(r.root, b))
})

for (const sig of ['KILL', 'SIGKILL', '9']) {
  t.test(`kill ID ${sig} stops a process that ignores SIGTERM`, async (t) => {
    const r = runtime(t)
    // sleep as pid 1 of its pid namespace has no handlers: only SIGKILL ends it
    const b = makeBundle(t, ['sleep', '1000'])
    const pidFile = path.join(b.dir, 'pid')
    const c = await r.rt(['run', '--detach', '--bundle', b.dir, '--pid-file', pidFile, b.id])
    t.equal(c.code, 0, `run --detach`, diag(c))
    const pid = Number(fs.readFileSync(pidFile, 'utf8'))
    t.equal((await stateOf(r, b.id))?.status, 'running', 'running')
    const k = await r.rt(['kill', b.id, sig])
    t.equal(k.code, 0, `kill ${sig}`, diag(k))
    const s = await waitForStatus(r, b.id, 'stopped')
    t.equal(s?.status, 'stopped', 'stopped')
    t.equal(s?.pid, 0, 'pid 0 when stopped')
    t.ok(await waitFor(() => !procAlive(pid)), 'process is gone')
    const d = await r.rt(['delete', b.id])
    t.equal(d.code, 0, `delete`, diag(d))
    await assertNoTrace(t, traceOf(r.root, b))
  })
}

t.test('delete of a created container without --force kills and deletes it', async (t) => {
  const r = runtime(t)
  const b = makeBundle(t)
  const pidFile = path.join(b.dir, 'pid')
  const c = await r.rt(['create', '--bundle', b.dir, '--pid-file', pidFile, b.id])
  t.equal(c.code, 0, `create`, diag(c))
  const pid = Number(fs.readFileSync(pidFile, 'utf8'))
  t.ok(procAlive(pid), 'init alive')
  const d = await r.rt(['delete', b.id])
  t.equal(d.code, 0, `delete`, diag(d))
  t.ok(await waitFor(() => !procAlive(pid), { timeout: 1000 }), 'init killed')
  await assertNoTrace(t, traceOf(r.root, b))
})

t.test('delete of a running container needs --force', async (t) => {
  const r = runtime(t)
  const b = makeBundle(t)
  const pidFile = path.join(b.dir, 'pid')
  const c = await r.rt(['run', '-d', '--bundle', b.dir, '--pid-file', pidFile, b.id])
  t.equal(c.code, 0, `run -d`, diag(c))
  const pid = Number(fs.readFileSync(pidFile, 'utf8'))
  await expectFail(t, r, ['delete', b.id], /not stopped/, 'delete of a running container')
  t.equal((await stateOf(r, b.id))?.status, 'running', 'still running after the refused delete')
  t.ok(procAlive(pid), 'process still alive')
  const d = await r.rt(['delete', '--force', b.id])
  t.equal(d.code, 0, `delete --force`, diag(d))
  t.ok(await waitFor(() => !procAlive(pid), { timeout: 1000 }), 'process killed')
  await assertNoTrace(t, traceOf(r.root, b))
})

t.test('operations on a missing container', async (t) => {
  const r = runtime(t)
  const id = 'ot-no-such-container'
  await expectFail(t, r, ['state', id], /does not exist/, 'state')
  await expectFail(t, r, ['kill', id], /does not exist/, 'kill')
  await expectFail(t, r, ['kill', id, '9'], /does not exist/, 'kill 9')
  await expectFail(t, r, ['start', id], /does not exist/, 'start')
  await expectFail(t, r, ['delete', id], /does not exist/, 'delete')
  const f = await r.rt(['delete', '--force', id])
  t.equal(f.code, 0, `delete --force of a missing container succeeds`, diag(f))
})

t.test('run in the foreground: exit code, stdio passed through, container deleted', async (t) => {
  const r = runtime(t)
  const b = makeBundle(t, ['sh', '-c', 'read line; echo "out:$line"; echo err >&2; exit 3'])
  const res = await r.rt(['run', '--bundle', b.dir, b.id], { input: 'hello\n' })
  t.equal(res.code, 3, `run returns the container's exit code`, diag(res))
  t.equal(res.stdout, 'out:hello\n', 'stdin and stdout are the container\'s')
  t.match(res.stderr, /err/, 'stderr is the container\'s')
  await expectFail(t, r, ['state', b.id], /does not exist/, 'state after run')
  await assertNoTrace(t, traceOf(r.root, b))

  const b0 = makeBundle(t, ['true'])
  const ok = await r.rt(['run', '--bundle', b0.dir, b0.id])
  t.equal(ok.code, 0, `run true exits 0`, diag(ok))
  t.equal(ok.stdout, '', 'no output')
  await assertNoTrace(t, traceOf(r.root, b0))
})

t.test('run --detach', async (t) => {
  const r = runtime(t)
  const b = trapBundle(t)
  const res = await r.rt(['run', '--detach', '--bundle', b.dir, b.id], { timeout: 15000 })
  t.equal(res.code, 0, `run --detach returns at once`, diag(res))
  t.ok(await waitFor(() => fs.existsSync(path.join(b.rootfs, 'started'))), 'process runs')
  const s = await r.rt(['state', b.id])
  const st = checkStateShape(t, s.stdout, { id: b.id, status: 'running', bundle: b.dir })
  t.ok(procAlive(st.pid), 'pid alive')
  const k = await r.rt(['kill', b.id, 'SIGTERM'])
  t.equal(k.code, 0, `kill SIGTERM`, diag(k))
  t.equal((await waitForStatus(r, b.id, 'stopped'))?.status, 'stopped', 'stopped')
  const d = await r.rt(['delete', b.id])
  t.equal(d.code, 0, `delete`, diag(d))
  await assertNoTrace(t, traceOf(r.root, b))
})

/** Go's text/tabwriter as runc's list uses it: minwidth 12, padding 3, last cell unaligned. */
function tabwriter(rows: string[][]): string {
  const ncol = rows[0].length
  const widths: number[] = []
  for (let c = 0; c < ncol - 1; c++) {
    widths[c] = Math.max(12, ...rows.map((r) => r[c].length + 3))
  }
  return rows.map((r) => r.map((cell, c) => (c < ncol - 1 ? cell.padEnd(widths[c]) : cell)).join('') + '\n').join('')
}

t.test('list: table, -q, --format json', async (t) => {
  const empty = runtime(t)
  const e1 = await empty.rt(['list'])
  t.equal(e1.code, 0, `list on an empty root`, diag(e1))
  t.equal(e1.stdout, 'ID          PID         STATUS      BUNDLE      CREATED     OWNER\n', 'header only, runc spacing')
  const e2 = await empty.rt(['list', '-q'])
  t.equal(e2.stdout, '', 'list -q on an empty root prints nothing')
  const e3 = await empty.rt(['list', '--format', 'json'])
  t.equal(e3.code, 0, 'list --format json on an empty root')
  t.equal(e3.stdout, 'null\n', 'runc prints null for no containers')

  const r = runtime(t)
  const b1 = makeBundle(t)
  const b2 = makeBundle(t)
  const [ida, idb] = [b1.id + '-a', b2.id + '-b']
  r.track(ida)
  r.track(idb)
  // created in reverse order: list sorts by id
  const c2 = await r.rt(['create', '--bundle', b2.dir, idb])
  t.equal(c2.code, 0, `create`, diag(c2))
  const c1 = await r.rt(['run', '-d', '--bundle', b1.dir, ida])
  t.equal(c1.code, 0, `run -d`, diag(c1))
  const sa = (await stateOf(r, ida))!
  const sb = (await stateOf(r, idb))!
  const expectRows = [
    ['ID', 'PID', 'STATUS', 'BUNDLE', 'CREATED', 'OWNER'],
    ...[[ida, sa, b1], [idb, sb, b2]]
      .sort((x, y) => ((x[0] as string) < (y[0] as string) ? -1 : 1))
      .map(([id, s, b]) => [id as string, String((s as any).pid), (s as any).status, (b as Bundle).dir, (s as any).created, 'root']),
  ]
  const l = await r.rt(['list'])
  t.equal(l.code, 0, `list`, diag(l))
  t.equal(l.stdout, tabwriter(expectRows), 'list table as runc prints it (owner is the user name)')

  const q = await r.rt(['list', '-q'])
  t.equal(q.stdout, [ida, idb].sort().join('\n') + '\n', 'list -q prints ids, one per line')

  const j = await r.rt(['list', '--format', 'json'])
  t.equal(j.code, 0, 'list --format json')
  t.ok(j.stdout.endsWith('\n') && !j.stdout.includes('\n  '), 'one compact JSON line')
  const arr = JSON.parse(j.stdout)
  t.equal(arr.length, 2, 'two containers')
  const byId = Object.fromEntries(arr.map((x: any) => [x.id, x]))
  t.same(Object.keys(byId[ida]), ['ociVersion', 'id', 'pid', 'status', 'bundle', 'rootfs', 'created', 'owner'], 'keys in runc order')
  t.match(byId[ida], { id: ida, pid: sa.pid, status: 'running', bundle: b1.dir, rootfs: b1.rootfs, created: sa.created, owner: 'root' })
  t.match(byId[idb], { id: idb, pid: sb.pid, status: 'created', bundle: b2.dir, rootfs: b2.rootfs, created: sb.created, owner: 'root' })

  for (const [id, b] of [[ida, b1], [idb, b2]] as const) {
    const d = await r.rt(['delete', '--force', id])
    t.equal(d.code, 0, `delete --force`, diag(d))
    await assertNoTrace(t, traceOf(r.root, b, id))
  }
  const after = await r.rt(['list', '-q'])
  t.equal(after.stdout, '', 'nothing listed after delete')
})

t.test('spec writes config.json and refuses to overwrite it', async (t) => {
  const r = runtime(t)
  const dir = makeTempDir(t)
  const s = await r.rt(['spec'], { cwd: dir })
  t.equal(s.code, 0, `spec`, diag(s))
  const file = path.join(dir, 'config.json')
  const text = fs.readFileSync(file, 'utf8')
  const spec = JSON.parse(text)
  t.match(spec.ociVersion, SEMVER, 'ociVersion')
  t.same(spec.process.args, ['sh'], 'default args ["sh"]')
  t.equal(spec.root.path, 'rootfs', 'root.path rootfs')
  t.ok(Array.isArray(spec.linux?.namespaces), 'linux.namespaces')
  const again = await r.rt(['spec'], { cwd: dir })
  t.equal(again.code, 1, `second spec fails`, diag(again))
  t.match(again.stderr, /exists/, 'says config.json exists')
  t.equal(fs.readFileSync(file, 'utf8'), text, 'config.json unchanged')

  const other = makeTempDir(t)
  const sb = await r.rt(['spec', '--bundle', other])
  t.equal(sb.code, 0, `spec --bundle`, diag(sb))
  t.ok(fs.existsSync(path.join(other, 'config.json')), 'written into --bundle dir')
})

t.test('features prints honest JSON', async (t) => {
  const r = runtime(t)
  const f = await r.rt(['features'])
  t.equal(f.code, 0, `features`, diag(f))
  let j: any
  try {
    j = JSON.parse(f.stdout)
  } catch {
    t.fail(`features prints JSON: ${f.stdout}`)
    return
  }
  t.match(j.ociVersionMin, SEMVER, 'ociVersionMin')
  t.match(j.ociVersionMax, SEMVER, 'ociVersionMax')
  for (const k of ['hooks', 'mountOptions']) {
    if (k in j) t.ok(Array.isArray(j[k]), `${k} is an array`)
  }
  if (j.linux?.namespaces) {
    for (const ns of ['pid', 'network', 'ipc', 'uts', 'mount']) t.ok(j.linux.namespaces.includes(ns), `namespace ${ns} listed`)
  }
})

t.test('two concurrent creates of one id: one container, one error', async (t) => {
  for (let round = 0; round < 3; round++) {
    const r = runtime(t)
    const b = makeBundle(t)
    const args = ['create', '--bundle', b.dir, b.id]
    const res = await Promise.all([r.rt(args), r.rt(args)])
    const codes = res.map((x) => x.code).sort()
    t.same(codes, [0, 1], 'exactly one create succeeds, one fails', { results: res.map(diag) })
    const loser = res.find((x) => x.code !== 0)
    t.match(loser?.stderr ?? '', /exist/, 'the loser says the container exists')
    const q = await r.rt(['list', '-q'])
    t.equal(q.stdout, `${b.id}\n`, 'exactly one container listed')
    const s = await stateOf(r, b.id)
    t.equal(s?.status, 'created', 'the winner is intact')
    t.ok(procAlive(s?.pid), 'its init lives')
    t.ok(existingCgroupDirs(b.cgroupsPath).length > 0, 'its cgroup is intact')
    const st = await r.rt(['start', b.id])
    t.equal(st.code, 0, `and it starts`, diag(st))
    t.equal((await stateOf(r, b.id))?.status, 'running', 'running')
    const d = await r.rt(['delete', '--force', b.id])
    t.equal(d.code, 0, `delete --force`, diag(d))
    await assertNoTrace(t, traceOf(r.root, b))
  }
})

t.test('two containers in parallel', async (t) => {
  const r = runtime(t)
  const bs = [trapBundle(t), trapBundle(t)]
  const runs = await Promise.all(bs.map((b) => r.rt(['run', '-d', '--bundle', b.dir, b.id])))
  runs.forEach((x) => t.equal(x.code, 0, `run -d`, diag(x)))
  for (const b of bs) t.ok(await waitFor(() => fs.existsSync(path.join(b.rootfs, 'started'))), `${b.id} runs`)
  const states = await Promise.all(bs.map((b) => stateOf(r, b.id)))
  t.same(states.map((s) => s?.status), ['running', 'running'], 'both running')
  t.not(states[0]?.pid, states[1]?.pid, 'distinct pids')
  const kills = await Promise.all(bs.map((b) => r.rt(['kill', b.id, 'KILL'])))
  kills.forEach((x) => t.equal(x.code, 0, `kill`, diag(x)))
  for (const b of bs) t.equal((await waitForStatus(r, b.id, 'stopped'))?.status, 'stopped', `${b.id} stopped`)
  const dels = await Promise.all(bs.map((b) => r.rt(['delete', b.id])))
  dels.forEach((x) => t.equal(x.code, 0, `delete`, diag(x)))
  for (const b of bs) await assertNoTrace(t, traceOf(r.root, b))
})

t.test('without a terminal the init inherits the caller\'s pipes; EOF when it exits', async (t) => {
  const r = runtime(t)
  const b = makeBundle(t, ['sh', '-c', 'echo hello; echo oops >&2'])
  const child = r.spawnPiped(['create', '--bundle', b.dir, b.id])
  child.stdin?.end()
  let out = ''
  let err = ''
  child.stdout?.on('data', (d) => (out += d))
  child.stderr?.on('data', (d) => (err += d))
  const ended = Promise.all([
    new Promise<void>((res) => child.stdout?.on('end', () => res())),
    new Promise<void>((res) => child.stderr?.on('end', () => res())),
  ])
  const code = await new Promise<number | null>((res) => child.on('exit', (c) => res(c)))
  t.equal(code, 0, `create exits while the init holds the pipes: ${err}`)
  const st = await r.rt(['start', b.id])
  t.equal(st.code, 0, `start`, diag(st))
  const gotEof = await Promise.race([ended.then(() => true), new Promise<boolean>((res) => setTimeout(() => res(false), 10000))])
  t.ok(gotEof, 'EOF on the pipes once the container exited (no runtime process keeps them open)')
  t.equal(out, 'hello\n', 'container stdout arrives on the create caller\'s pipe')
  t.match(err, /oops/, 'container stderr arrives on the create caller\'s pipe')
  child.stdout?.destroy()
  child.stderr?.destroy()
  t.equal((await waitForStatus(r, b.id, 'stopped'))?.status, 'stopped', 'stopped')
  const d = await r.rt(['delete', b.id])
  t.equal(d.code, 0, `delete`, diag(d))
  await assertNoTrace(t, traceOf(r.root, b))
})


t.test('run --keep: the container stays, stopped, after its process exits (as runc)', async (t) => {
  for (const [name, bin] of withReference()) {
    const r = runtime(t, bin ? { bin } : {})
    const b = makeBundle(t, ['sh', '-c', 'exit 3'])
    const res = await r.rt(['run', '--keep', '--bundle', b.dir, b.id])
    t.equal(res.code, 3, `${name}: the container's exit code`, diag(res))
    const st = await stateOf(r, b.id)
    t.equal(st?.status, 'stopped', `${name}: kept, stopped`)
    t.equal(st?.pid, 0, `${name}: pid 0`)
    const list = await r.rt(['list', '-q'])
    t.equal(list.stdout, `${b.id}\n`, `${name}: listed`)
    t.equal((await r.rt(['delete', b.id])).code, 0, `${name}: delete`)
    await assertNoTrace(t, traceOf(r.root, b), name)
  }
})

// As runc: in the foreground run is the subreaper of what the container
// leaves orphaned (here: a container in the host's pid namespace), unless
// --no-subreaper; the init itself is run's child either way.
t.test('run --no-subreaper: orphans of the container are not reparented to the runtime', async (t) => {
  const script = '(sleep 30 & echo $! > /orphan); sleep 0.3; echo "$PPID $(sed -n "s/^PPid:\\t*//p" /proc/$(cat /orphan)/status)"; kill $(cat /orphan)'
  for (const [name, bin] of withReference()) {
    for (const flags of [[], ['--no-subreaper']]) {
      const r = runtime(t, bin ? { bin } : {})
      const b = makeBundle(t, (c) => {
        c.root.readonly = false
        c.linux.namespaces = c.linux.namespaces.filter((n: { type: string }) => n.type !== 'pid')
        c.process.args = ['sh', '-c', script]
      })
      const res = await r.rt(['run', ...flags, '--bundle', b.dir, b.id])
      const how = `${name} ${flags.join(' ') || '(subreaper)'}`
      t.equal(res.code, 0, `${how}: runs`, diag(res))
      const [runtimePid, orphanParent] = res.stdout.trim().split(' ')
      t.ok(Number(runtimePid) > 1, `${how}: the init is the runtime's child`, { stdout: res.stdout })
      if (flags.length) t.not(orphanParent, runtimePid, `${how}: the orphan went elsewhere`, { stdout: res.stdout })
      else t.equal(orphanParent, runtimePid, `${how}: the orphan is the runtime's`, { stdout: res.stdout })
      await assertNoTrace(t, traceOf(r.root, b), how)
    }
  }
})
