// The requirements catalogue: every MUST/SHOULD of runtime.md, runtime-linux.md,
// config.md and config-linux.md (runtime-spec v1.2) that this suite checks, or
// lists as not observable. `node dist/conformance/run.js --list` prints it.
import type { Requirement } from './requirement'
import { configRequirements } from './requirements/config'
import { configLinuxRequirements, terminalRequirements } from './requirements/config-linux'
import { hookRequirements } from './requirements/hooks'
import { runtimeRequirements } from './requirements/runtime'

export const CATALOGUE: Requirement[] = [...runtimeRequirements, ...configRequirements, ...hookRequirements, ...configLinuxRequirements, ...terminalRequirements]

{
  const seen = new Set<string>()
  for (const r of CATALOGUE) {
    if (seen.has(r.id)) throw new Error(`duplicate requirement id ${r.id}`)
    seen.add(r.id)
    if (!r.check && !r.notObservable) throw new Error(`${r.id}: neither a check nor a reason it is not observable`)
  }
}
