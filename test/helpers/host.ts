// Looking at the host: processes (by environment mark), cgroups, mounts.
import * as fs from 'node:fs'
import * as path from 'node:path'
import { spawnSync } from 'node:child_process'

export const MARK_VAR = 'OCITS_TEST_MARK'
export const CGROUP_ROOT = '/sys/fs/cgroup'
/** Parent of every test cgroup: cgroupsPath is `${CGROUP_PARENT}/<unique>`. */
export const CGROUP_PARENT = '/ocits-test'

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))

/** Poll `fn` until it returns a truthy value or `timeout` ms pass; returns the last value. */
export async function waitFor<T>(
  fn: () => T | Promise<T>,
  { timeout = 5000, interval = 25 }: { timeout?: number; interval?: number } = {},
): Promise<T> {
  const end = Date.now() + timeout
  for (;;) {
    const v = await fn()
    if (v || Date.now() >= end) return v
    await sleep(interval)
  }
}

// ---------------------------------------------------------------- processes

function pids(): number[] {
  const out: number[] = []
  for (const e of fs.readdirSync('/proc')) {
    if (/^\d+$/.test(e)) out.push(Number(e))
  }
  return out
}

/** Environment of a process, or undefined if unreadable (gone, kernel thread). */
export function procEnviron(pid: number): string[] | undefined {
  try {
    const raw = fs.readFileSync(`/proc/${pid}/environ`, 'utf8')
    return raw.split('\0').filter((s) => s !== '')
  } catch {
    return undefined
  }
}

/** Single-letter state from /proc/PID/stat (R, S, D, Z, T, ...) or undefined when gone. */
export function procState(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0]
  } catch {
    return undefined
  }
}

/** The process exists and is not a zombie. */
export function procAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false
  const s = procState(pid)
  return s !== undefined && s !== 'Z' && s !== 'X'
}

export function procCmdline(pid: number): string[] | undefined {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter((s) => s !== '')
  } catch {
    return undefined
  }
}

/** Parent pid from /proc/PID/stat. */
export function procPpid(pid: number): number | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8')
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
  } catch {
    return undefined
  }
}

/**
 * Live (non-zombie) processes whose environment holds `OCITS_TEST_MARK=<mark>`
 * exactly, or, with `prefix`, a value starting with `mark`.
 */
export function processesWithMark(mark: string, { prefix = false } = {}): number[] {
  const want = `${MARK_VAR}=${mark}`
  const found: number[] = []
  for (const pid of pids()) {
    if (pid === process.pid) continue
    const env = procEnviron(pid)
    if (!env) continue
    if (env.some((e) => (prefix ? e.startsWith(want) : e === want)) && procAlive(pid)) {
      found.push(pid)
    }
  }
  return found
}

export function killPids(list: number[], signal: NodeJS.Signals = 'SIGKILL'): void {
  for (const pid of list) {
    try {
      process.kill(pid, signal)
    } catch {
      /* gone */
    }
  }
}

/**
 * This process's hard limit for a /proc/self/limits row ("Max open files",
 * "Max processes", ...); Infinity for "unlimited". Raising a hard limit needs
 * CAP_SYS_RESOURCE, which these machines do not have: keep rlimits below it.
 */
export function hardLimit(row: string): number {
  for (const l of fs.readFileSync('/proc/self/limits', 'utf8').split('\n')) {
    if (l.startsWith(row)) {
      const hard = l.slice(row.length).trim().split(/\s+/)[1]
      return hard === 'unlimited' ? Infinity : Number(hard)
    }
  }
  return Infinity
}

// ---------------------------------------------------------------- cgroups

let hierarchiesCache: string[] | undefined

/**
 * Every cgroup hierarchy mount point: on a pure v2 host just /sys/fs/cgroup;
 * on v1/hybrid every directory below it (cpu, memory, ..., unified).
 */
export function cgroupHierarchies(): string[] {
  if (hierarchiesCache) return hierarchiesCache
  const out = new Set<string>()
  if (fs.existsSync(path.join(CGROUP_ROOT, 'cgroup.controllers'))) {
    out.add(CGROUP_ROOT)
  } else {
    let entries: string[] = []
    try {
      entries = fs.readdirSync(CGROUP_ROOT)
    } catch {
      /* no cgroupfs */
    }
    for (const e of entries) {
      const p = path.join(CGROUP_ROOT, e)
      try {
        const real = fs.realpathSync(p)
        if (fs.statSync(real).isDirectory() && fs.existsSync(path.join(real, 'cgroup.procs'))) {
          out.add(real)
        }
      } catch {
        /* ignore */
      }
    }
  }
  hierarchiesCache = [...out].sort()
  return hierarchiesCache
}

/** Directories for `cgroupsPath` that exist, on any hierarchy. */
export function existingCgroupDirs(cgroupsPath: string): string[] {
  const rel = cgroupsPath.replace(/^\/+/, '')
  return cgroupHierarchies()
    .map((h) => path.join(h, rel))
    .filter((p) => fs.existsSync(p))
}

function cgroupTree(dir: string): string[] {
  // children first (post-order), so rmdir can go in this order
  const out: string[] = []
  let entries: fs.Dirent[] = []
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true })
  } catch {
    return out
  }
  for (const e of entries) {
    if (e.isDirectory()) out.push(...cgroupTree(path.join(dir, e.name)))
  }
  out.push(dir)
  return out
}

/** Pids listed in cgroup.procs of `cgroupsPath` (and below) on every hierarchy. */
export function cgroupPids(cgroupsPath: string): number[] {
  const found = new Set<number>()
  for (const dir of existingCgroupDirs(cgroupsPath)) {
    for (const d of cgroupTree(dir)) {
      try {
        for (const l of fs.readFileSync(path.join(d, 'cgroup.procs'), 'utf8').split('\n')) {
          if (/^\d+$/.test(l.trim())) found.add(Number(l.trim()))
        }
      } catch {
        /* gone */
      }
    }
  }
  return [...found]
}

function thaw(dir: string): void {
  for (const [file, value] of [
    ['freezer.state', 'THAWED'],
    ['cgroup.freeze', '0'],
  ]) {
    try {
      fs.writeFileSync(path.join(dir, file), value)
    } catch {
      /* not this hierarchy */
    }
  }
}

/** Kill everything in the cgroup (thawing it first) and remove it on every hierarchy. */
export async function destroyCgroup(cgroupsPath: string, timeout = 5000): Promise<string[]> {
  const rel = cgroupsPath.replace(/^\/+/, '')
  if (rel === '' || rel.split('/').includes('..')) return []
  const end = Date.now() + timeout
  for (;;) {
    const dirs = existingCgroupDirs(cgroupsPath)
    if (dirs.length === 0) return []
    for (const dir of dirs) for (const d of cgroupTree(dir)) thaw(d)
    killPids(cgroupPids(cgroupsPath))
    for (const dir of dirs) {
      for (const d of cgroupTree(dir)) {
        try {
          fs.rmdirSync(d)
        } catch {
          /* busy: retry */
        }
      }
    }
    if (Date.now() >= end) return existingCgroupDirs(cgroupsPath)
    if (existingCgroupDirs(cgroupsPath).length > 0) await sleep(50)
  }
}

// ---------------------------------------------------------------- mounts

export interface MountInfo {
  id: number
  parent: number
  majorMinor: string
  root: string
  mountpoint: string
  options: string
  optional: string[]
  fstype: string
  source: string
  superOptions: string
}

function unescapeMount(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o) => String.fromCharCode(parseInt(o, 8)))
}

/** Parse mountinfo text (default: this process's /proc/self/mountinfo). */
export function parseMountinfo(text?: string): MountInfo[] {
  const raw = text ?? fs.readFileSync('/proc/self/mountinfo', 'utf8')
  const out: MountInfo[] = []
  for (const line of raw.split('\n')) {
    if (line.trim() === '') continue
    const f = line.split(' ')
    const sep = f.indexOf('-', 6)
    if (sep < 0) continue
    out.push({
      id: Number(f[0]),
      parent: Number(f[1]),
      majorMinor: f[2],
      root: unescapeMount(f[3]),
      mountpoint: unescapeMount(f[4]),
      options: f[5],
      optional: f.slice(6, sep),
      fstype: f[sep + 1],
      source: unescapeMount(f[sep + 2] ?? ''),
      superOptions: f[sep + 3] ?? '',
    })
  }
  return out
}

function under(p: string, dir: string): boolean {
  const d = dir.replace(/\/+$/, '')
  return p === d || p.startsWith(d + '/')
}

/** Host mount points at or below `dir`, deepest first. */
export function mountsUnder(dir: string): string[] {
  return parseMountinfo()
    .map((m) => m.mountpoint)
    .filter((mp) => under(mp, dir))
    .sort((a, b) => b.length - a.length)
}

/** Lazily unmount everything at or below `dir` on the host; returns what stays mounted. */
export function unmountUnder(dir: string): string[] {
  for (let i = 0; i < 10; i++) {
    const mps = mountsUnder(dir)
    if (mps.length === 0) return []
    for (const mp of mps) spawnSync('umount', ['-l', mp], { stdio: 'ignore' })
  }
  return mountsUnder(dir)
}

/** rm -rf, but never across a mount point (a bind of a host dir would be emptied). */
export function removeDir(dir: string): boolean {
  if (!fs.existsSync(dir)) return true
  if (unmountUnder(dir).length > 0) return false
  fs.rmSync(dir, { recursive: true, force: true, maxRetries: 3 })
  return !fs.existsSync(dir)
}
