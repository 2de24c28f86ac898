// What one entry of the requirements catalogue looks like.
import type { Ctx } from './harness'

export type Level = 'MUST' | 'SHOULD'
export type SpecFile = 'runtime.md' | 'runtime-linux.md' | 'config.md' | 'config-linux.md'

export interface Requirement {
  /** stable id: <spec prefix>.<section>.<what> */
  id: string
  spec: SpecFile
  section: string
  level: Level
  /** the requirement sentence, quoted from runtime-spec v1.2 */
  text: string
  /**
   * When `text` only describes a field (no MUST/SHOULD of its own): the
   * sentence that makes applying it a MUST (runtime.md, Create).
   */
  basis?: string
  /** how the check observes it (inside: from the container; outside: state, exit codes, host files) */
  how: string
  /** the check; absent when the requirement is not observable */
  check?: (c: Ctx) => Promise<void>
  /** why it cannot be observed (catalogue only, always a SKIP) */
  notObservable?: string
}

/** runtime.md's Create: every configured property must be applied. */
export const APPLY =
  'runtime.md, Create: "All of the properties configured in config.json except for process MUST be applied." ' +
  'and Start: "This operation MUST run the user-specified program as specified by process."'
