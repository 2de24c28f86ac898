// Test bundles: a copy of the busybox rootfs and runc's default config.json,
// adjusted so that every bundle is unique and traceable.
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import type { Test } from 'tap'
import { CGROUP_PARENT, MARK_VAR } from './host'
import { copyRootfs } from './rootfs'
import { newBundleMark, scopeOf, uniqueId } from './scope'
import { defaultSpec, type Spec } from './spec'

export interface Bundle {
  /** bundle directory (absolute, no symlinks) */
  dir: string
  /** dir/rootfs */
  rootfs: string
  /** the config as written to dir/config.json */
  config: Spec
  /** a unique container id for this bundle */
  id: string
  /** linux.cgroupsPath: /ocits-test/<unique> */
  cgroupsPath: string
  /** value of OCITS_TEST_MARK in process.env */
  mark: string
  /** dir/config.json */
  configPath: string
  /** rewrite config.json from `config` (after changing it) */
  writeConfig: () => void
}

export type Mutate = (config: Spec, bundle: Bundle) => void

/** Default process: alive until killed, so it can be observed. */
export const DEFAULT_ARGS = ['sleep', '1000']

/**
 * A fresh bundle for this test under os.tmpdir(): rootfs copied from the
 * template and runc's default spec with terminal false, args (DEFAULT_ARGS or
 * the given array), a unique cgroupsPath and an OCITS_TEST_MARK env var.
 * `mutate(config, bundle)` may change anything before config.json is written.
 * Removed, with its container, cgroup and processes, at teardown.
 */
export function makeBundle(t: Test, mutateOrArgs?: Mutate | string[]): Bundle {
  const scope = scopeOf(t)
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), `ocits-b-${process.pid}-`)))
  scope.dirs.push(dir)
  const unique = uniqueId()
  const id = `ot-${unique}`
  const cgroupsPath = `${CGROUP_PARENT}/${unique}`
  const mark = newBundleMark(scope)
  scope.ids.add(id)
  scope.cgroups.add(cgroupsPath)

  const rootfs = path.join(dir, 'rootfs')
  copyRootfs(rootfs)

  const config = defaultSpec()
  config.process.terminal = false
  config.process.args = Array.isArray(mutateOrArgs) ? [...mutateOrArgs] : [...DEFAULT_ARGS]
  config.process.env.push(`${MARK_VAR}=${mark}`)
  config.linux.cgroupsPath = cgroupsPath

  const configPath = path.join(dir, 'config.json')
  const bundle: Bundle = {
    dir,
    rootfs,
    config,
    id,
    cgroupsPath,
    mark,
    configPath,
    writeConfig: () => fs.writeFileSync(configPath, JSON.stringify(bundle.config, null, 2)),
  }
  if (typeof mutateOrArgs === 'function') mutateOrArgs(config, bundle)
  bundle.writeConfig()
  return bundle
}

/** A new unique container id (registered for teardown) for reusing a bundle. */
export function newId(t: Test): string {
  const id = `ot-${uniqueId()}`
  scopeOf(t).ids.add(id)
  return id
}
