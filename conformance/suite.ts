// Run the catalogue against one runtime binary: each check in its own Ctx
// (root, bundles, ids, cgroups), several at a time, cleanup always.
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { CATALOGUE } from './catalogue'
import { CheckFailure, CheckSkip, Ctx, TMP_PREFIX } from './harness'
import { CGROUP_PARENT, cgroupHierarchies, destroyCgroup, removeDir } from './host'
import type { Level, Requirement } from './requirement'
import { rootfsTemplate } from './rootfs'

export type Outcome = 'pass' | 'fail' | 'skip'

export interface Result {
  req: Requirement
  outcome: Outcome
  /** failure message or skip reason */
  message?: string
  details?: Record<string, unknown>
  ms: number
}

export interface SuiteOptions {
  runtime: string
  /** regexp (string) matched against requirement ids */
  only?: string
  /** checks run at once (default 4) */
  jobs?: number
  /** ms per check (default 30000) */
  timeout?: number
  /** called as each result is known (in completion order) */
  onResult?: (r: Result, index: number) => void
}

/** The checks' worlds still in use (for cleanupActive on an interrupt). */
const active = new Set<Ctx>()
let aborted = false

/** Stop starting checks and clean up every check still running (the CLI calls it on SIGINT/SIGTERM). */
export async function cleanupActive(): Promise<void> {
  aborted = true
  await Promise.all([...active].map((c) => c.cleanup()))
}

async function runOne(req: Requirement, runtime: string, timeout: number): Promise<Result> {
  const started = Date.now()
  if (!req.check) return { req, outcome: 'skip', message: req.notObservable ?? 'not observable', ms: 0 }
  if (aborted) return { req, outcome: 'skip', message: 'interrupted', ms: 0 }
  const ctx = new Ctx(runtime)
  active.add(ctx)
  let res: Result
  let timer: NodeJS.Timeout | undefined
  try {
    await Promise.race([
      req.check(ctx),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new CheckFailure(`check timed out after ${timeout} ms`)), timeout)
      }),
    ])
    res = { req, outcome: 'pass', ms: 0 }
  } catch (e) {
    if (e instanceof CheckSkip) res = { req, outcome: 'skip', message: e.message, ms: 0 }
    else if (e instanceof CheckFailure) res = { req, outcome: 'fail', message: e.message, details: e.details, ms: 0 }
    else res = { req, outcome: 'fail', message: `check threw: ${(e as Error)?.stack ?? String(e)}`, ms: 0 }
  } finally {
    clearTimeout(timer)
  }
  const problems = await ctx.cleanup()
  active.delete(ctx)
  if (problems.length) res.details = { ...res.details, cleanup: problems }
  res.ms = Date.now() - started
  return res
}

/** The requirements selected by `only` (all when absent). */
export function select(only?: string): Requirement[] {
  if (!only) return CATALOGUE
  const re = new RegExp(only)
  return CATALOGUE.filter((r) => re.test(r.id))
}

/** Remove what an earlier run that died left behind (temp dirs and cgroups of dead pids). */
export async function sweepStale(): Promise<void> {
  const dead = (pid: number) => {
    if (pid === process.pid) return false
    try {
      process.kill(pid, 0)
      return false
    } catch (e) {
      return (e as NodeJS.ErrnoException).code !== 'EPERM'
    }
  }
  try {
    for (const n of fs.readdirSync(os.tmpdir())) {
      const m = new RegExp(`^${TMP_PREFIX}(\\d+)-`).exec(n)
      if (m && dead(Number(m[1]))) removeDir(path.join(os.tmpdir(), n))
    }
    const names = new Set<string>()
    for (const h of cgroupHierarchies()) {
      try {
        for (const n of fs.readdirSync(path.join(h, CGROUP_PARENT))) names.add(n)
      } catch {
        /* none */
      }
    }
    for (const n of names) {
      const m = /^(\d+)-/.exec(n)
      if (m && dead(Number(m[1]))) await destroyCgroup(`${CGROUP_PARENT}/${n}`, 1000)
    }
  } catch {
    /* best effort */
  }
}

/** Run the selected checks; results in catalogue order. */
export async function runSuite(o: SuiteOptions): Promise<Result[]> {
  if (!fs.existsSync(o.runtime)) throw new Error(`runtime binary not found: ${o.runtime}`)
  await sweepStale()
  rootfsTemplate()
  const reqs = select(o.only)
  const results: Result[] = new Array(reqs.length)
  let next = 0
  const jobs = Math.max(1, o.jobs ?? 4)
  const worker = async () => {
    while (next < reqs.length && !aborted) {
      const i = next++
      results[i] = await runOne(reqs[i], o.runtime, o.timeout ?? 30000)
      o.onResult?.(results[i], i)
    }
  }
  await Promise.all(Array.from({ length: Math.min(jobs, reqs.length) }, worker))
  return results
}

export interface Counts {
  pass: number
  fail: number
  skip: number
}

export function countByLevel(results: Result[]): Record<Level | 'total', Counts> {
  const z = (): Counts => ({ pass: 0, fail: 0, skip: 0 })
  const out: Record<Level | 'total', Counts> = { MUST: z(), SHOULD: z(), total: z() }
  for (const r of results) {
    out[r.req.level][r.outcome]++
    out.total[r.outcome]++
  }
  return out
}
