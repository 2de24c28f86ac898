// Every failing create exits 1 with one line on stderr and leaves no trace
// (no state dir, cgroup, mount or process). Messages differ between runc and
// ocits: the ocits format (`ocits: ...` naming the field) is only checked when
// the runtime under test is ocits.
import t from 'tap'
import * as fs from 'node:fs'
import * as path from 'node:path'
import type { Test } from 'tap'
import {
  assertNoTrace,
  diag,
  isOcits,
  isRunc,
  makeBundle,
  runtime,
  traceOf,
  type Bundle,
  type Mutate,
  type RunResult,
} from '../helpers'

const OCITS = isOcits()
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/

interface Case {
  name: string
  /** change the bundle (config via mutate, or files after it is written) */
  mutate?: Mutate
  prepare?: (b: Bundle) => void
  /** container id to use (default: the bundle's) */
  id?: (b: Bundle) => string
  /** what the message must say for any runtime */
  any?: RegExp
  /** what an ocits message must say (beyond the `ocits: ` prefix) */
  ocits?: RegExp
  /** reason to skip for runc (runc accepts it) */
  runcSkip?: string
}

const cases: Case[] = [
  {
    name: 'invalid JSON in config.json',
    prepare: (b) => fs.writeFileSync(b.configPath, '{"ociVersion": "1.0.2", "process": {'),
    ocits: /config\.json/,
  },
  {
    name: 'missing config.json',
    prepare: (b) => fs.unlinkSync(b.configPath),
    ocits: /config\.json/,
  },
  {
    name: 'missing rootfs',
    prepare: (b) => fs.rmSync(b.rootfs, { recursive: true, force: true }),
    ocits: /rootfs|\/root\/path/,
  },
  {
    name: 'bad namespace type',
    mutate: (c) => {
      c.linux.namespaces[1].type = 'bogus'
    },
    ocits: /\/linux\/namespaces\/1\/type/,
  },
  {
    name: 'bind mount whose source does not exist',
    mutate: (c, b) => {
      c.mounts.push({ destination: '/mnt/x', type: 'bind', source: path.join(b.dir, 'no-such-source'), options: ['rbind'] })
    },
    ocits: /\/mounts\/7/,
  },
  {
    name: 'args[0] not found in the container',
    mutate: (c) => {
      c.process.args = ['no-such-command-ocits']
    },
    any: /executable file not found in \$PATH/,
    ocits: /no-such-command-ocits/,
  },
  {
    name: 'absolute args[0] that does not exist',
    mutate: (c) => {
      c.process.args = ['/bin/no-such-binary']
    },
    any: /no such file or directory/i,
  },
  {
    name: 'invalid container id ../x',
    id: (b) => `../${b.id}-escape`,
    ocits: /id/i,
  },
  {
    name: 'invalid container id a/b',
    id: (b) => `${b.id}-dir/b`,
    ocits: /id/i,
  },
  {
    name: 'unknown ociVersion major',
    mutate: (c) => {
      c.ociVersion = '2.0.0'
    },
    ocits: /\/ociVersion/,
    runcSkip: 'runc 1.1.5 does not check ociVersion (it creates the container)',
  },
  {
    name: 'cwd that is not absolute',
    mutate: (c) => {
      c.process.cwd = 'relative/dir'
    },
    ocits: /\/process\/cwd/,
  },
]

function checkFailure(t: Test, res: RunResult, c: Case): void {
  t.equal(res.code, 1, `exit code 1`, diag(res))
  const err = res.stderr.trim()
  t.not(err, '', 'a message on stderr')
  t.notOk(err.includes('\n'), 'one line on stderr', { stderr: res.stderr })
  t.equal(res.stdout, '', 'nothing on stdout')
  if (c.any) t.match(err, c.any, `message says ${c.any}`)
  if (OCITS) {
    t.match(err, /^ocits: \S/, 'ocits message format `ocits: ...`')
    if (c.ocits) t.match(err, c.ocits, `message names ${c.ocits}`)
  }
}

for (const c of cases) {
  t.test(c.name, { skip: isRunc() && c.runcSkip ? c.runcSkip : false }, async (t) => {
    const r = runtime(t)
    const b = makeBundle(t, c.mutate)
    c.prepare?.(b)
    const id = c.id ? c.id(b) : b.id
    r.track(id)
    const res = await r.rt(['create', '--bundle', b.dir, '--pid-file', path.join(b.dir, 'pid'), id])
    checkFailure(t, res, c)
    await assertNoTrace(t, traceOf(r.root, b, id))
    if (id.includes('/')) {
      // nothing created next to or below the root through the id
      t.notOk(fs.existsSync(path.resolve(r.root, id)), `nothing at ${path.resolve(r.root, id)}`)
      t.notOk(fs.existsSync(path.dirname(path.resolve(r.root, id))) && path.dirname(path.resolve(r.root, id)) !== path.dirname(r.root),
        'no intermediate dir created from the id')
    }
    t.notOk(fs.existsSync(path.join(b.dir, 'pid')), 'no pid file')
    const q = await r.rt(['list', '-q'])
    t.equal(q.stdout, '', 'no container listed')
  })
}

t.test('the same failures through `run`', async (t) => {
  for (const c of cases.filter((x) => ['bad namespace type', 'args[0] not found in the container', 'missing rootfs'].includes(x.name))) {
    const r = runtime(t)
    const b = makeBundle(t, c.mutate)
    c.prepare?.(b)
    const res = await r.rt(['run', '--bundle', b.dir, b.id])
    t.equal(res.code, 1, `${c.name}: run exits 1`, diag(res))
    if (OCITS) t.match(res.stderr.trim(), /^ocits: \S/, `${c.name}: ocits message format`)
    await assertNoTrace(t, traceOf(r.root, b), c.name)
  }
})

t.test('--log FILE --log-format json: the error is the last "error" line (containerd reads it)', async (t) => {
  const r = runtime(t)
  const b = makeBundle(t, (c) => {
    c.linux.namespaces[1].type = 'bogus'
  })
  const log = path.join(b.dir, 'log.json')
  fs.writeFileSync(log, '{"level":"info","msg":"previous call","time":"2024-01-01T00:00:00Z"}\n')
  const res = await r.rt(['create', '--bundle', b.dir, b.id], { log, logFormat: 'json' })
  t.equal(res.code, 1, `exit 1`, diag(res))
  const lines = fs.readFileSync(log, 'utf8').split('\n').filter((l) => l !== '')
  t.equal(lines[0], '{"level":"info","msg":"previous call","time":"2024-01-01T00:00:00Z"}', 'log file is appended to, not truncated')
  const objs: any[] = []
  for (const l of lines) {
    try {
      objs.push(JSON.parse(l))
    } catch {
      t.fail(`every log line is one JSON object: ${l}`)
    }
  }
  for (const o of objs) {
    t.ok(['debug', 'info', 'warning', 'error'].includes(o.level), `level is lowercase: ${o.level}`)
    t.match(o.time, RFC3339, 'time is RFC3339')
    t.type(o.msg, 'string', 'msg is a string')
  }
  const lastError = [...objs].reverse().find((o) => o.level === 'error')
  t.ok(lastError, 'an error line')
  t.ok(lastError && lastError.msg.length > 0, 'with a message')
  t.ok(lastError && res.stderr.includes(lastError.msg), 'the error is on stderr too')
  if (OCITS) t.match(lastError?.msg ?? '', /\/linux\/namespaces\/1\/type/, 'names the field')
  await assertNoTrace(t, traceOf(r.root, b))
})

t.test('--log-format json: even a bad flag writes the error line', async (t) => {
  const r = runtime(t)
  const b = makeBundle(t)
  const log = path.join(b.dir, 'log.json')
  const res = await r.rt(['create', '--bundle', b.dir, '--no-such-flag', b.id], { log, logFormat: 'json' })
  t.not(res.code, 0, `bad flag fails`, diag(res))
  const lines = fs.existsSync(log) ? fs.readFileSync(log, 'utf8').split('\n').filter((l) => l !== '') : []
  const objs = lines.map((l) => {
    try {
      return JSON.parse(l)
    } catch {
      return undefined
    }
  })
  t.ok(objs.length > 0 && objs.every((o) => o !== undefined), 'log holds JSON lines', { lines })
  const err = objs.reverse().find((o) => o?.level === 'error')
  t.ok(err && /no-such-flag/.test(err.msg), 'an error line naming the flag')
  await assertNoTrace(t, traceOf(r.root, b))
})

t.test('--log-format text: the file gets the error too', async (t) => {
  const r = runtime(t)
  const b = makeBundle(t)
  fs.rmSync(b.rootfs, { recursive: true })
  const log = path.join(b.dir, 'log.txt')
  const res = await r.rt(['create', '--bundle', b.dir, b.id], { log, logFormat: 'text' })
  t.equal(res.code, 1, `exit 1`, diag(res))
  const text = fs.existsSync(log) ? fs.readFileSync(log, 'utf8') : ''
  t.match(text, /level=error/, 'a level=error line')
  await assertNoTrace(t, traceOf(r.root, b))
})

t.test('create of an existing id fails and leaves the first container intact', async (t) => {
  const r = runtime(t)
  const b = makeBundle(t)
  const c1 = await r.rt(['create', '--bundle', b.dir, b.id])
  t.equal(c1.code, 0, `first create`, diag(c1))
  const b2 = makeBundle(t)
  const c2 = await r.rt(['create', '--bundle', b2.dir, b.id])
  t.equal(c2.code, 1, `second create fails`, diag(c2))
  t.match(c2.stderr, /exist/, 'says it exists')
  await assertNoTrace(t, { ...traceOf(r.root, b2), id: 'none-' + b2.id }, 'second bundle')
  const s = await r.rt(['state', b.id])
  t.match(JSON.parse(s.stdout), { status: 'created', bundle: b.dir }, 'the first container is untouched')
  const d = await r.rt(['delete', '--force', b.id])
  t.equal(d.code, 0, `delete`, diag(d))
  await assertNoTrace(t, traceOf(r.root, b))
})
