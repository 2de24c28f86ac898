// Commands that act on a running container's cgroup: pause, resume, ps,
// events, update, kill --all. Real containers on this host's cgroups;
// compared with the reference runc where runc prints the same thing.
import t from 'tap'
import * as fs from 'node:fs'
import * as path from 'node:path'
import type { Test } from 'tap'
import {
  assertNoTrace,
  CGROUP_ROOT,
  diag,
  isRunc,
  makeBundle,
  newId,
  procAlive,
  referenceRunc,
  runtime,
  sleep,
  stateOf,
  traceOf,
  waitFor,
  waitForStatus,
  withReference,
  type Bundle,
  type Runtime,
} from '../helpers'

const REF = referenceRunc()
const NO_REF = !REF ? 'reference runc is not installed' : isRunc() ? 'the runtime under test is runc itself' : false

// independent containers (own root, bundle, cgroup): run the subtests side by side
t.jobs = 4

const COUNTER = 'i=0; while :; do i=$((i+1)); echo $i > /count; sleep 0.05; done'

function counterBundle(t: Test): Bundle {
  return makeBundle(t, (c) => {
    c.root.readonly = false
    c.process.args = ['sh', '-c', COUNTER]
  })
}

/** create + start; returns the init pid. */
async function startContainer(t: Test, r: Runtime, b: Bundle, id = b.id): Promise<number> {
  const c = await r.rt(['create', '--bundle', b.dir, id])
  t.equal(c.code, 0, 'create', diag(c))
  const s = await r.rt(['start', id])
  t.equal(s.code, 0, 'start', diag(s))
  const st = await stateOf(r, id)
  return st?.pid ?? 0
}

async function stopAndDelete(t: Test, r: Runtime, b: Bundle, id = b.id): Promise<void> {
  await r.rt(['kill', id, 'KILL'])
  await waitForStatus(r, id, 'stopped')
  const d = await r.rt(['delete', id])
  t.equal(d.code, 0, 'delete', diag(d))
  await assertNoTrace(t, traceOf(r.root, b, id))
}

function readCount(b: Bundle): number {
  try {
    return Number(fs.readFileSync(path.join(b.rootfs, 'count'), 'utf8').trim()) || 0
  } catch {
    return 0
  }
}

function cgroupFile(b: Bundle, controller: string, file: string): string {
  return fs.readFileSync(path.join(CGROUP_ROOT, controller, b.cgroupsPath, file), 'utf8').trim()
}

t.test('pause and resume a running container', async (t) => {
  const r = runtime(t)
  const b = counterBundle(t)
  await startContainer(t, r, b)
  t.ok(await waitFor(() => readCount(b) > 2, { timeout: 5000 }), 'the counter runs')

  const p = await r.rt(['pause', b.id])
  t.equal(p.code, 0, 'pause', diag(p))
  t.equal(p.stdout + p.stderr, '', 'pause prints nothing')
  t.equal((await stateOf(r, b.id))?.status, 'paused', 'state says paused')
  t.equal(cgroupFile(b, 'freezer', 'freezer.state'), 'FROZEN', 'freezer.state FROZEN')
  const frozenAt = readCount(b)
  await sleep(400)
  t.equal(readCount(b), frozenAt, 'the counter does not advance while paused')

  const again = await r.rt(['pause', b.id])
  t.equal(again.code, 1, 'pause of a paused container fails')
  t.match(again.stderr, /container not running/, 'runc\'s message')

  const res = await r.rt(['resume', b.id])
  t.equal(res.code, 0, 'resume', diag(res))
  t.equal((await stateOf(r, b.id))?.status, 'running', 'state says running')
  t.ok(await waitFor(() => readCount(b) > frozenAt + 2, { timeout: 5000 }), 'the counter advances again')

  const res2 = await r.rt(['resume', b.id])
  t.equal(res2.code, 1, 'resume of a running container fails')
  t.match(res2.stderr, /container not paused/, 'runc\'s message')

  // a paused container can be killed and deleted
  t.equal((await r.rt(['pause', b.id])).code, 0, 'pause again')
  await stopAndDelete(t, r, b)
})

t.test('pause and resume errors on stopped and missing containers', async (t) => {
  const r = runtime(t)
  const b = makeBundle(t, ['true'])
  await startContainer(t, r, b)
  await waitForStatus(r, b.id, 'stopped')
  const p = await r.rt(['pause', b.id])
  t.equal(p.code, 1, 'pause of a stopped container fails')
  t.match(p.stderr, /container not running/)
  const q = await r.rt(['resume', b.id])
  t.equal(q.code, 1, 'resume of a stopped container fails')
  t.match(q.stderr, /container not paused/)
  const m = await r.rt(['pause', 'no-such-container'])
  t.equal(m.code, 1)
  t.match(m.stderr, /does not exist/)
  t.equal((await r.rt(['delete', b.id])).code, 0, 'delete')
  await assertNoTrace(t, traceOf(r.root, b))
})

t.test('ps: json pids (nothing on stderr) and the table', async (t) => {
  const r = runtime(t)
  const b = makeBundle(t, ['sh', '-c', 'sleep 1000 & sleep 1000'])
  const pid = await startContainer(t, r, b)
  let pids: number[] = []
  await waitFor(async () => {
    const j = await r.rt(['ps', '--format', 'json', b.id])
    try {
      pids = JSON.parse(j.stdout)
    } catch {
      return false
    }
    return pids.length >= 2
  }, { timeout: 5000 })
  const j = await r.rt(['ps', '--format', 'json', b.id])
  t.equal(j.code, 0, 'ps --format json', diag(j))
  t.equal(j.stderr, '', 'nothing on stderr')
  t.match(j.stdout, /^\[\d+(,\d+)*\]\n$/, 'one JSON array of ints and a newline, as runc')
  pids = JSON.parse(j.stdout)
  t.ok(pids.includes(pid), 'the init pid is there')
  t.equal(pids.length, 2, 'both processes')
  const j2 = await r.rt(['ps', '-f', 'json', b.id])
  t.equal(j2.stdout, j.stdout, '-f json is the same')

  const tab = await r.rt(['ps', b.id])
  t.equal(tab.code, 0, 'ps (table)', diag(tab))
  const lines = tab.stdout.trimEnd().split('\n')
  t.match(lines[0], /UID\s+PID\s+PPID/, 'ps -ef header')
  t.equal(lines.length, 3, 'header and the two container processes')
  t.ok(lines.some((l) => l.split(/\s+/)[1] === String(pid)), 'the init line')

  const custom = await r.rt(['ps', b.id, '-o', 'pid,comm'])
  t.equal(custom.code, 0, 'ps ID -o pid,comm', diag(custom))
  const cl = custom.stdout.trimEnd().split('\n')
  t.match(cl[0], /PID\s+COMMAND/, 'the custom header')
  t.equal(cl.length, 3, 'header and two lines')
  t.ok(cl.slice(1).every((l) => pids.includes(Number(l.trim().split(/\s+/)[0]))), 'only container pids')

  const bad = await r.rt(['ps', '--format', 'yaml', b.id])
  t.equal(bad.code, 1, 'a bad format fails')

  await stopAndDelete(t, r, b)
})

const DATA_KEYS = ['cpu', 'cpuset', 'memory', 'pids', 'blkio', 'hugetlb', 'intel_rdt', 'network_interfaces']

async function statsOf(t: Test, r: Runtime, id: string): Promise<Record<string, any>> {
  const e = await r.rt(['events', '--stats', id])
  t.equal(e.code, 0, `${r.bin} events --stats`, diag(e))
  t.equal(e.stdout.split('\n').length, 2, 'one line')
  return JSON.parse(e.stdout)
}

t.test('events --stats: runc\'s layout, plausible values', async (t) => {
  const r = runtime(t)
  const b = makeBundle(t, ['sh', '-c', 'sleep 1000 & sleep 1000'])
  await startContainer(t, r, b)
  await waitFor(async () => JSON.parse((await r.rt(['ps', '-f', 'json', b.id])).stdout).length >= 2, { timeout: 5000 })
  const ev = await statsOf(t, r, b.id)
  t.same(Object.keys(ev), ['type', 'id', 'data'], 'type, id, data')
  t.equal(ev.type, 'stats')
  t.equal(ev.id, b.id)
  t.same(Object.keys(ev.data), DATA_KEYS, 'data keys in runc order')
  t.ok(ev.data.pids.current >= 2, `pids.current ${ev.data.pids.current} >= 2`)
  t.ok(ev.data.memory.usage.usage > 0, 'memory usage > 0')
  t.ok(ev.data.memory.usage.limit > 0, 'memory limit')
  t.ok(ev.data.cpu.usage.total > 0, 'cpu total > 0')
  t.ok(Array.isArray(ev.data.cpu.usage.percpu), 'percpu')
  t.equal(typeof ev.data.memory.raw, 'object', 'raw memory stats')
  t.equal(ev.data.network_interfaces, null)

  // streaming: a stats object every interval until the container stops
  const child = r.spawnPiped(['events', '--interval', '200ms', b.id])
  let out = ''
  child.stdout!.on('data', (d) => (out += d))
  const exited = new Promise<number | null>((res) => child.on('exit', (c) => res(c)))
  await waitFor(() => out.split('\n').filter(Boolean).length >= 2, { timeout: 5000 })
  const evs = out.split('\n').filter(Boolean).map((l) => JSON.parse(l))
  t.ok(evs.length >= 2 && evs.every((e) => e.type === 'stats' && e.id === b.id), 'stats events stream')
  await r.rt(['kill', b.id, 'KILL'])
  const code = await Promise.race([exited, sleep(5000).then(() => 'timeout')])
  t.equal(code, 0, 'events ends when the container stops')
  if (code === 'timeout') child.kill('SIGKILL')
  await waitForStatus(r, b.id, 'stopped')
  t.equal((await r.rt(['delete', b.id])).code, 0, 'delete')
  await assertNoTrace(t, traceOf(r.root, b))

  const gone = await r.rt(['events', '--stats', b.id])
  t.equal(gone.code, 1, 'events on a deleted container fails')
})

t.test('events --stats and ps --format json: the same layout as runc', { skip: NO_REF }, async (t) => {
  const b = makeBundle(t, ['sh', '-c', 'sleep 1000 & sleep 1000'])
  const got: Record<string, any>[] = []
  for (const r of [runtime(t, { bin: REF }), runtime(t)]) {
    const id = newId(t)
    const pid = await startContainer(t, r, b, id)
    await waitFor(async () => (JSON.parse((await r.rt(['ps', '-f', 'json', id])).stdout) ?? []).length >= 2, { timeout: 5000 })
    const ps = await r.rt(['ps', '--format', 'json', id])
    t.match(ps.stdout, /^\[\d+,\d+\]\n$/, `${r.bin}: ps json`)
    t.ok(JSON.parse(ps.stdout).includes(pid), `${r.bin}: init pid listed`)
    got.push(await statsOf(t, r, id))
    await stopAndDelete(t, r, b, id)
  }
  const [ref, sut] = got
  const shape = (o: any): any =>
    o && typeof o === 'object' && !Array.isArray(o) ? Object.fromEntries(Object.keys(o).map((k) => [k, shape(o[k])])) : Array.isArray(o) ? 'array' : typeof o
  t.same(Object.keys(sut), Object.keys(ref), 'top-level keys')
  t.same(Object.keys(sut.data), Object.keys(ref.data), 'data keys')
  for (const k of ['cpuset', 'pids', 'intel_rdt']) t.same(shape(sut.data[k]), shape(ref.data[k]), `${k} layout as runc`)
  t.same(Object.keys(sut.data.memory), Object.keys(ref.data.memory), 'memory keys as runc')
  for (const k of ['usage', 'swap', 'kernel', 'kernelTCP']) t.same(Object.keys(sut.data.memory[k]), Object.keys(ref.data.memory[k]), `memory.${k} keys`)
  t.same(Object.keys(sut.data.memory.raw), Object.keys(ref.data.memory.raw), 'memory.raw keys')
  t.same(Object.keys(sut.data.cpu), Object.keys(ref.data.cpu), 'cpu keys')
  const order = ['total', 'percpu', 'percpu_kernel', 'percpu_user', 'kernel', 'user']
  const rank = (ks: string[]) => ks.filter((k) => order.includes(k))
  t.same(rank(Object.keys(sut.data.cpu.usage)), Object.keys(sut.data.cpu.usage), 'cpu.usage keys in runc order')
  t.ok(['kernel', 'user'].every((k) => k in sut.data.cpu.usage && k in ref.data.cpu.usage), 'cpu.usage kernel and user')
})

t.test('kill --all signals every process when the container shares the host pid namespace', async (t) => {
  const r = runtime(t)
  const b = makeBundle(t, (c) => {
    c.linux.namespaces = c.linux.namespaces.filter((n: { type: string }) => n.type !== 'pid')
    c.process.args = ['sh', '-c', 'sleep 1000 & sleep 1000 & sleep 1000']
  })
  const pid = await startContainer(t, r, b)
  let pids: number[] = []
  await waitFor(async () => {
    pids = JSON.parse((await r.rt(['ps', '-f', 'json', b.id])).stdout) ?? []
    return pids.length >= 3
  }, { timeout: 5000 })
  t.equal(pids.length, 3, 'three processes')
  t.ok(pids.includes(pid), 'init among them')
  const k = await r.rt(['kill', '--all', b.id, 'KILL'])
  t.equal(k.code, 0, 'kill --all', diag(k))
  t.ok(await waitFor(() => pids.every((p) => !procAlive(p)), { timeout: 5000 }), 'every process is gone')
  await waitForStatus(r, b.id, 'stopped')
  t.equal(cgroupFile(b, 'freezer', 'freezer.state'), 'THAWED', 'the cgroup is thawed again')
  const again = await r.rt(['kill', '--all', b.id, 'KILL'])
  t.equal(again.code, 0, 'kill --all on a stopped container succeeds', diag(again))
  t.equal((await r.rt(['delete', b.id])).code, 0, 'delete')
  await assertNoTrace(t, traceOf(r.root, b))
})

t.test('update: runc\'s flags and --resources', async (t) => {
  const r = runtime(t)
  const b = makeBundle(t)
  await startContainer(t, r, b)
  const u = await r.rt(['update', '--pids-limit', '77', '--memory', '64m', '--cpu-shares', '512', b.id])
  t.equal(u.code, 0, 'update with flags', diag(u))
  t.equal(cgroupFile(b, 'pids', 'pids.max'), '77', 'pids.max')
  t.equal(cgroupFile(b, 'memory', 'memory.limit_in_bytes'), String(64 * 1024 * 1024), 'memory.limit_in_bytes')
  t.equal(cgroupFile(b, 'cpu', 'cpu.shares'), '512', 'cpu.shares')

  const stdin = await r.rt(['update', '--resources', '-', b.id], { input: JSON.stringify({ pids: { limit: 66 } }) })
  t.equal(stdin.code, 0, 'update --resources -', diag(stdin))
  t.equal(cgroupFile(b, 'pids', 'pids.max'), '66', 'pids.max from stdin')

  const file = path.join(b.dir, 'res.json')
  fs.writeFileSync(file, JSON.stringify({ pids: { limit: 55 }, cpu: { quota: 50000, period: 100000 } }))
  const eq = await r.rt(['update', `--resources=${file}`, b.id])
  t.equal(eq.code, 0, 'update --resources=FILE (Podman\'s form)', diag(eq))
  t.equal(cgroupFile(b, 'pids', 'pids.max'), '55', 'pids.max from the file')
  t.equal(cgroupFile(b, 'cpu', 'cpu.cfs_quota_us'), '50000', 'cpu.cfs_quota_us')
  t.equal(cgroupFile(b, 'memory', 'memory.limit_in_bytes'), String(64 * 1024 * 1024), 'memory untouched')

  const bad = await r.rt(['update', '--pids-limit', 'lots', b.id])
  t.equal(bad.code, 1, 'a bad value fails')
  const badJson = await r.rt(['update', '--resources', '-', b.id], { input: '{' })
  t.equal(badJson.code, 1, 'bad JSON fails')
  await stopAndDelete(t, r, b)
  const stopped = await r.rt(['update', '--pids-limit', '10', 'no-such'])
  t.equal(stopped.code, 1, 'update of a missing container fails')
})

// Go's flag package takes the word after a flag as its value, "-1" included.
t.test('update: a negative value as a separate argument (--memory-swap -1, --cpu-quota -1), as runc', async (t) => {
  for (const [name, bin] of withReference()) {
    const r = bin ? runtime(t, { bin }) : runtime(t)
    const b = makeBundle(t, (c) => {
      c.linux.resources = { ...(c.linux.resources ?? {}), memory: { limit: 64 * 1024 * 1024, swap: 96 * 1024 * 1024 }, cpu: { quota: 20000, period: 100000 } }
    })
    await startContainer(t, r, b)
    const u = await r.rt(['update', '--memory-swap', '-1', '--cpu-quota', '-1', b.id])
    t.equal(u.code, 0, `${name}: update --memory-swap -1 --cpu-quota -1`, diag(u))
    t.equal(cgroupFile(b, 'cpu', 'cpu.cfs_quota_us'), '-1', `${name}: cpu.cfs_quota_us is -1 (unlimited)`)
    if (fs.existsSync(path.join(CGROUP_ROOT, 'memory', b.cgroupsPath, 'memory.memsw.limit_in_bytes'))) {
      t.equal(cgroupFile(b, 'memory', 'memory.memsw.limit_in_bytes'), '9223372036854771712', `${name}: memory.memsw.limit_in_bytes is unlimited`)
    }
    const eq = await r.rt(['update', '--cpu-quota=-1', '--cpu-period', '50000', b.id])
    t.equal(eq.code, 0, `${name}: --cpu-quota=-1 works too`, diag(eq))
    t.equal(cgroupFile(b, 'cpu', 'cpu.cfs_period_us'), '50000', `${name}: the flag after it is still read`)
    await stopAndDelete(t, r, b)
  }
})

t.test('events: an OOM kill in the container is an "oom" event', async (t) => {
  const r = runtime(t)
  const b = makeBundle(t, (c) => {
    c.root.readonly = false
    c.process.args = ['sh', '-c', 'while [ ! -e /go ]; do sleep 0.05; done; tail /dev/zero; sleep 1000']
    c.linux.resources = { ...(c.linux.resources ?? {}), memory: { limit: 16 * 1024 * 1024, swap: 16 * 1024 * 1024 } }
  })
  await startContainer(t, r, b)
  const child = r.spawnPiped(['events', '--interval', '300ms', b.id])
  let out = ''
  child.stdout!.on('data', (d) => (out += d))
  const exited = new Promise<number | null>((res) => child.on('exit', (c) => res(c)))
  t.ok(await waitFor(() => out.includes('"stats"'), { timeout: 10000 }), 'events is streaming')
  fs.writeFileSync(path.join(b.rootfs, 'go'), '')
  const seen = await waitFor(() => out.includes('"oom"'), { timeout: 10000 })
  t.ok(seen, 'an oom event', { out, oom: fs.readFileSync(path.join(CGROUP_ROOT, 'memory', b.cgroupsPath, 'memory.oom_control'), 'utf8'), lim: cgroupFile(b, 'memory', 'memory.limit_in_bytes') })
  t.equal(out.split('\n').filter((l) => l.includes('"oom"'))[0], `{"type":"oom","id":"${b.id}"}`, 'runc\'s oom event')
  await r.rt(['kill', b.id, 'KILL'])
  const code = await Promise.race([exited, sleep(5000).then(() => 'timeout')])
  t.equal(code, 0, 'events ends when the container stops')
  if (code === 'timeout') child.kill('SIGKILL')
  await waitForStatus(r, b.id, 'stopped')
  t.equal((await r.rt(['delete', b.id])).code, 0, 'delete')
  await assertNoTrace(t, traceOf(r.root, b))
})
