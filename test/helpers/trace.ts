// "Leaves nothing behind": the check made after every failing create and
// after every delete.
import * as fs from 'node:fs'
import * as path from 'node:path'
import type { Test } from 'tap'
import { existingCgroupDirs, mountsUnder, processesWithMark, waitFor } from './host'

export interface TraceTarget {
  /** the runtime's --root */
  root: string
  /** container id */
  id: string
  /** bundle dir: nothing may stay mounted below it */
  bundle: string
  /** linux.cgroupsPath of the container */
  cgroupsPath: string
  /** OCITS_TEST_MARK value of the container's process.env */
  mark: string
}

/**
 * Assert there is no state dir <root>/<id>, no cgroup dir for cgroupsPath on
 * any hierarchy, no host mount at or below the bundle dir, and no live process
 * carrying the mark. Processes get a short grace (up to 1 s) to finish exiting;
 * everything else must already be gone.
 */
export async function assertNoTrace(t: Test, o: TraceTarget, what = ''): Promise<void> {
  const label = what ? `${what}: ` : ''
  const stateDir = path.join(o.root, o.id)
  t.notOk(fs.existsSync(stateDir), `${label}no state dir ${stateDir}`)
  t.same(existingCgroupDirs(o.cgroupsPath), [], `${label}no cgroup ${o.cgroupsPath} on any hierarchy`)
  t.same(mountsUnder(o.bundle), [], `${label}nothing mounted under the bundle`)
  const procs = await waitFor(() => {
    const p = processesWithMark(o.mark)
    return p.length === 0 ? p : undefined
  }, { timeout: 1000 })
  t.same(procs ?? processesWithMark(o.mark), [], `${label}no process carries mark ${o.mark}`)
}
