// Test harness for ocits integration tests. Import from '../helpers'.
//
//   const { rt, root } = runtime(t)            // per-test --root, teardown registered
//   const b = makeBundle(t, ['sh', '-c', '...'])  // fresh bundle, unique id/cgroup/mark
//   const r = await rt(['create', '--bundle', b.dir, b.id])
//   ...
//   await assertNoTrace(t, traceOf(root, b))
export * from './paths'
export * from './rootfs'
export * from './spec'
export * from './host'
export * from './scope'
export * from './runtime'
export * from './bundle'
export * from './trace'
export * from './clients'

import type { Bundle } from './bundle'
import type { RunResult, Runtime } from './runtime'
import type { TraceTarget } from './trace'
import { waitFor } from './host'

/** The assertNoTrace target for a bundle's container in a root. */
export function traceOf(root: string, b: Bundle, id: string = b.id): TraceTarget {
  return { root, id, bundle: b.dir, cgroupsPath: b.cgroupsPath, mark: b.mark }
}

/** `state ID` parsed, or undefined when it fails. */
export async function stateOf(r: Runtime, id: string): Promise<Record<string, any> | undefined> {
  const res = await r.rt(['state', id])
  if (res.code !== 0) return undefined
  try {
    return JSON.parse(res.stdout)
  } catch {
    return undefined
  }
}

/** Poll `state` until status is `status` (default timeout 10 s); returns the last state. */
export async function waitForStatus(
  r: Runtime,
  id: string,
  status: string,
  timeout = 10000,
): Promise<Record<string, any> | undefined> {
  let last: Record<string, any> | undefined
  await waitFor(async () => {
    last = await stateOf(r, id)
    return last?.status === status
  }, { timeout, interval: 50 })
  return last
}

/** The first line of stderr, trimmed (runc and ocits print one line per error). */
export function firstLine(r: RunResult): string {
  return r.stderr.trim().split('\n')[0] ?? ''
}
export * from './output'

/**
 * SIGKILL a `create` of the bundle `ms` after it started (containerd's shim
 * may do that); resolves once it is gone (a fast one may have finished).
 */
export async function createKilledAfter(r: Runtime, b: Bundle, ms: number): Promise<void> {
  const child = r.spawnPiped(['create', '--bundle', b.dir, b.id])
  child.stdout?.resume()
  child.stderr?.resume()
  await new Promise((ok) => setTimeout(ok, ms))
  const exited = child.exitCode !== null || child.signalCode !== null
  child.kill('SIGKILL')
  if (!exited) await new Promise((ok) => child.once('exit', ok))
}
