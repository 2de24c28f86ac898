// Per-test bookkeeping: everything a test creates (roots, bundles, temp dirs,
// container ids, cgroups, marks) is recorded here, and ONE teardown, registered
// with t.teardown on first use, removes all of it, even when the test failed.
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { randomBytes } from 'node:crypto'
import { spawn } from 'node:child_process'
import type { Test } from 'tap'
import {
  CGROUP_PARENT,
  MARK_VAR,
  cgroupHierarchies,
  destroyCgroup,
  killPids,
  processesWithMark,
  removeDir,
  sleep,
  unmountUnder,
} from './host'

export interface Scope {
  /** `<pid>-s<n>-<rand>`; every mark of this test starts with `${id}.` */
  id: string
  /** container ids to `delete --force` in every root */
  ids: Set<string>
  /** (binary, --root) pairs used by this test */
  roots: Array<{ bin: string; root: string }>
  /** cgroupsPaths handed out to bundles */
  cgroups: Set<string>
  /** dirs to unmount-under and remove (bundles, roots, temp dirs) */
  dirs: string[]
  /** where rt() keeps stdout/stderr files */
  ioDir?: string
  seq: number
}

const scopes = new WeakMap<object, Scope>()
let seq = 0
let swept = false

/** A short identifier unique across processes and calls, starting with our pid. */
export function uniqueId(): string {
  return `${process.pid}-${++seq}-${randomBytes(3).toString('hex')}`
}

/** The test's scope, creating it (and registering its teardown) on first use. */
export function scopeOf(t: Test): Scope {
  let s = scopes.get(t)
  if (s) return s
  if (!swept) {
    swept = true
    sweepStale()
  }
  s = { id: `${process.pid}-s${++seq}-${randomBytes(3).toString('hex')}`, ids: new Set(), roots: [], cgroups: new Set(), dirs: [], seq: 0 }
  scopes.set(t, s)
  const scope = s
  t.teardown(() => cleanupScope(scope))
  return s
}

/** The mark exported by rt() to the runtime process itself (inherited by its helpers). */
export function runtimeMark(scope: Scope): string {
  return `${scope.id}.rt`
}

/** A fresh mark for a bundle's process.env. */
export function newBundleMark(scope: Scope): string {
  return `${scope.id}.b${++scope.seq}`
}

/** A temp dir owned by the test, removed (never across a mount) at teardown. */
export function makeTempDir(t: Test, kind = 'tmp'): string {
  const scope = scopeOf(t)
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `ocits-${kind}-${process.pid}-`))
  scope.dirs.push(dir)
  return dir
}

function quickRun(bin: string, args: string[], timeout: number): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve) => {
    let stdout = ''
    let done = false
    const finish = (code: number | null) => {
      if (done) return
      done = true
      clearTimeout(timer)
      resolve({ code, stdout })
    }
    let child
    try {
      // stdout only: stdin/stderr never shared with anything that may outlive us
      child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'ignore'] })
    } catch {
      resolve({ code: null, stdout: '' })
      return
    }
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      finish(null)
    }, timeout)
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.on('error', () => finish(null))
    // resolve on exit: a leftover container may hold the pipe open
    child.on('exit', (code) => setTimeout(() => finish(code), 20))
  })
}

/** Undo everything the test created. Never throws; reports what it could not remove. */
export async function cleanupScope(scope: Scope): Promise<void> {
  const problems: string[] = []
  try {
    // 1. let the runtime delete its containers (state, cgroups, processes):
    //    every entry of the root (state dirs) and every id we used that has one;
    //    ids without state cost no runtime call (leftovers are handled below)
    for (const { bin, root } of scope.roots) {
      if (!fs.existsSync(root)) continue
      const ids = new Set<string>()
      for (const e of fs.readdirSync(root)) if (!e.startsWith('.')) ids.add(e)
      for (const id of scope.ids) {
        if (fs.existsSync(path.join(root, id))) ids.add(id)
      }
      for (const id of ids) {
        await quickRun(bin, ['--root', root, 'delete', '--force', id], 15000)
      }
    }
    // 2. whatever is left: processes carrying one of our marks, and our cgroups
    for (let i = 0; i < 40; i++) {
      const left = processesWithMark(`${scope.id}.`, { prefix: true })
      if (left.length === 0) break
      killPids(left)
      await sleep(50)
    }
    for (const cg of scope.cgroups) {
      const left = await destroyCgroup(cg)
      if (left.length) problems.push(`cgroup dirs left: ${left.join(' ')}`)
    }
    // 3. mounts and dirs
    for (const dir of scope.dirs) {
      const stuck = unmountUnder(dir)
      if (stuck.length) problems.push(`still mounted: ${stuck.join(' ')}`)
      else if (!removeDir(dir)) problems.push(`could not remove ${dir}`)
    }
    if (scope.ioDir) removeDir(scope.ioDir)
  } catch (e) {
    problems.push(`cleanup error: ${(e as Error).stack ?? e}`)
  }
  if (problems.length) process.stderr.write(`# ocits test cleanup: ${problems.join('; ')}\n`)
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/**
 * Remove what earlier test processes that died without teardown (killed by a
 * timeout, say) left behind: their marked processes, cgroups and temp dirs.
 * Everything we create is named after the creating pid, so "owner is dead"
 * is decidable and never touches a live test's things.
 */
export function sweepStale(): void {
  try {
    const ownerDead = (name: string, re: RegExp) => {
      const m = re.exec(name)
      if (!m) return false
      const pid = Number(m[1])
      return pid !== process.pid && !pidAlive(pid)
    }
    // processes
    const stalePids: number[] = []
    for (const e of fs.readdirSync('/proc')) {
      if (!/^\d+$/.test(e)) continue
      let env: string
      try {
        env = fs.readFileSync(`/proc/${e}/environ`, 'utf8')
      } catch {
        continue
      }
      const m = new RegExp(`(?:^|\\0)${MARK_VAR}=(\\d+)-`).exec(env)
      if (m && ownerDead(m[1] + '-', /^(\d+)-/)) stalePids.push(Number(e))
    }
    killPids(stalePids)
    // cgroups
    const names = new Set<string>()
    for (const h of cgroupHierarchies()) {
      try {
        for (const n of fs.readdirSync(path.join(h, CGROUP_PARENT))) names.add(n)
      } catch {
        /* none */
      }
    }
    for (const n of names) {
      if (ownerDead(n, /^(\d+)-/)) void destroyCgroup(`${CGROUP_PARENT}/${n}`, 2000)
    }
    // temp dirs
    for (const n of fs.readdirSync(os.tmpdir())) {
      if (ownerDead(n, /^ocits-(?:b|root|io|tmp|host)-(\d+)-/)) removeDir(path.join(os.tmpdir(), n))
    }
  } catch {
    /* best effort */
  }
}
