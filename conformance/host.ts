// Looking at the host from outside the container: /proc, cgroups, mounts.
// Self-contained (no test/ imports): the suite runs against any runtime binary.
import * as fs from 'node:fs'
import * as path from 'node:path'
import { spawnSync } from 'node:child_process'

export const CGROUP_ROOT = '/sys/fs/cgroup'
/** Parent of every cgroup the suite hands out: cgroupsPath is `${CGROUP_PARENT}/<unique>`. */
export const CGROUP_PARENT = '/ocits-conformance'

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))

/** Poll `fn` until it returns a truthy value or `timeout` ms pass; returns the last value. */
export async function waitFor<T>(fn: () => T | Promise<T>, timeout = 5000, interval = 20): Promise<T> {
  const end = Date.now() + timeout
  for (;;) {
    const v = await fn()
    if (v || Date.now() >= end) return v
    await sleep(interval)
  }
}

export function readOr(p: string, dflt = ''): string {
  try {
    return fs.readFileSync(p, 'utf8')
  } catch {
    return dflt
  }
}

export function procState(pid: number): string | undefined {
  const stat = readOr(`/proc/${pid}/stat`)
  if (!stat) return undefined
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0]
}

export function procAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false
  const s = procState(pid)
  return s !== undefined && s !== 'Z' && s !== 'X'
}

export function procCmdline(pid: number): string[] {
  return readOr(`/proc/${pid}/cmdline`).split('\0').filter((s) => s !== '')
}

/** readlink /proc/PID/ns/NAME ('' when unreadable). */
export function nsLink(pid: number | 'self', name: string): string {
  try {
    return fs.readlinkSync(`/proc/${pid}/ns/${name}`)
  } catch {
    return ''
  }
}

// ---------------------------------------------------------------- cgroups

let hierarchies: string[] | undefined

/** Every cgroup hierarchy mount point (pure v2: /sys/fs/cgroup; v1/hybrid: each dir below it). */
export function cgroupHierarchies(): string[] {
  if (hierarchies) return hierarchies
  const out = new Set<string>()
  if (fs.existsSync(path.join(CGROUP_ROOT, 'cgroup.controllers'))) {
    out.add(CGROUP_ROOT)
  } else {
    let entries: string[] = []
    try {
      entries = fs.readdirSync(CGROUP_ROOT)
    } catch {
      /* none */
    }
    for (const e of entries) {
      try {
        const real = fs.realpathSync(path.join(CGROUP_ROOT, e))
        if (fs.statSync(real).isDirectory() && fs.existsSync(path.join(real, 'cgroup.procs'))) out.add(real)
      } catch {
        /* ignore */
      }
    }
  }
  hierarchies = [...out].sort()
  return hierarchies
}

export const isCgroup2Only = () => fs.existsSync(path.join(CGROUP_ROOT, 'cgroup.controllers'))

/** Existing directories for cgroupsPath on any hierarchy. */
export function existingCgroupDirs(cgroupsPath: string): string[] {
  const rel = cgroupsPath.replace(/^\/+/, '')
  return cgroupHierarchies()
    .map((h) => path.join(h, rel))
    .filter((p) => fs.existsSync(p))
}

/**
 * The directory of a process's cgroup for a v1 controller (or the v2 one when
 * controller is '' or the host is pure v2), from /proc/PID/cgroup.
 */
export function procCgroupDir(pid: number, controller: string): string | undefined {
  if (isCgroup2Only()) {
    const p = procCgroupPath(pid, '')
    return p === undefined ? undefined : path.join(CGROUP_ROOT, p)
  }
  const p = procCgroupPath(pid, controller)
  if (p === undefined) return undefined
  const d = path.join(CGROUP_ROOT, controller === '' ? 'unified' : controller, p)
  return fs.existsSync(d) ? d : undefined
}

/** Path of a process's cgroup (as listed in /proc/PID/cgroup) for a controller. */
export function procCgroupPath(pid: number, controller: string): string | undefined {
  for (const l of readOr(`/proc/${pid}/cgroup`).split('\n')) {
    const m = /^\d+:([^:]*):(.*)$/.exec(l)
    if (!m) continue
    if (controller === '' ? m[1] === '' : m[1].split(',').includes(controller)) return m[2]
  }
  return undefined
}

function cgroupTree(dir: string): string[] {
  const out: string[] = []
  let entries: fs.Dirent[] = []
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true })
  } catch {
    return out
  }
  for (const e of entries) if (e.isDirectory()) out.push(...cgroupTree(path.join(dir, e.name)))
  out.push(dir)
  return out
}

export function killPids(list: number[]): void {
  for (const pid of list) {
    try {
      process.kill(pid, 'SIGKILL')
    } catch {
      /* gone */
    }
  }
}

/** Kill everything in the cgroup (thawed first) and remove it on every hierarchy. */
export async function destroyCgroup(cgroupsPath: string, timeout = 3000): Promise<string[]> {
  const rel = cgroupsPath.replace(/^\/+/, '')
  if (rel === '' || rel.split('/').includes('..')) return []
  const end = Date.now() + timeout
  for (;;) {
    const dirs = existingCgroupDirs(cgroupsPath)
    if (dirs.length === 0) return []
    for (const dir of dirs) {
      for (const d of cgroupTree(dir)) {
        for (const [f, v] of [['freezer.state', 'THAWED'], ['cgroup.freeze', '0']]) {
          try {
            fs.writeFileSync(path.join(d, f), v)
          } catch {
            /* not here */
          }
        }
        const pids = readOr(path.join(d, 'cgroup.procs')).split('\n').filter((s) => /^\d+$/.test(s)).map(Number)
        killPids(pids)
      }
    }
    for (const dir of dirs) {
      for (const d of cgroupTree(dir)) {
        try {
          fs.rmdirSync(d)
        } catch {
          /* busy: retry */
        }
      }
    }
    if (existingCgroupDirs(cgroupsPath).length === 0) return []
    if (Date.now() >= end) return existingCgroupDirs(cgroupsPath)
    await sleep(50)
  }
}

// ---------------------------------------------------------------- mounts

export interface MountInfo {
  mountpoint: string
  options: string
  optional: string[]
  fstype: string
  source: string
  superOptions: string
}

const unescape = (s: string) => s.replace(/\\([0-7]{3})/g, (_, o) => String.fromCharCode(parseInt(o, 8)))

export function parseMountinfo(text: string): MountInfo[] {
  const out: MountInfo[] = []
  for (const line of text.split('\n')) {
    const f = line.trim().split(' ')
    const sep = f.indexOf('-', 6)
    if (sep < 0) continue
    out.push({
      mountpoint: unescape(f[4]),
      options: f[5],
      optional: f.slice(6, sep),
      fstype: f[sep + 1],
      source: unescape(f[sep + 2] ?? ''),
      superOptions: f[sep + 3] ?? '',
    })
  }
  return out
}

function mountsUnder(dir: string): string[] {
  const d = dir.replace(/\/+$/, '')
  return parseMountinfo(readOr('/proc/self/mountinfo'))
    .map((m) => m.mountpoint)
    .filter((mp) => mp === d || mp.startsWith(d + '/'))
    .sort((a, b) => b.length - a.length)
}

/** rm -rf after lazily unmounting everything below; never crosses a mount. */
export function removeDir(dir: string): boolean {
  if (!fs.existsSync(dir)) return true
  for (let i = 0; i < 10 && mountsUnder(dir).length; i++) {
    for (const mp of mountsUnder(dir)) spawnSync('umount', ['-l', mp], { stdio: 'ignore' })
  }
  if (mountsUnder(dir).length) return false
  fs.rmSync(dir, { recursive: true, force: true, maxRetries: 3 })
  return !fs.existsSync(dir)
}
