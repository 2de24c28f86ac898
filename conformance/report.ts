// TAP output (one test point per requirement) and the summary table.
import { countByLevel, type Result } from './suite'

function yamlBlock(obj: Record<string, unknown>): string {
  const lines = ['  ---']
  for (const [k, v] of Object.entries(obj)) {
    if (v === undefined) continue
    const s = typeof v === 'string' ? v : JSON.stringify(v, null, 2)
    if (s.includes('\n')) {
      lines.push(`  ${k}: |-`)
      for (const l of s.split('\n')) lines.push(`    ${l}`)
    } else {
      lines.push(`  ${k}: ${JSON.stringify(s)}`)
    }
  }
  lines.push('  ...')
  return lines.join('\n')
}

/** One TAP test point. */
export function tapPoint(r: Result, n: number): string {
  const name = `${r.req.id} [${r.req.level}] ${r.req.spec}: ${r.req.section}`
  if (r.outcome === 'skip') return `ok ${n} - ${name} # SKIP ${r.message ?? ''}`
  if (r.outcome === 'pass') return `ok ${n} - ${name}`
  return `not ok ${n} - ${name}\n${yamlBlock({ message: r.message, requirement: r.req.text, how: r.req.how, ...r.details })}`
}

export function tapHeader(count: number): string {
  return `TAP version 14\n1..${count}`
}

/** The summary table, as TAP comment lines. */
export function summary(results: Result[], runtime: string): string {
  const idW = Math.max(11, ...results.map((r) => r.req.id.length))
  const out = [`# conformance of ${runtime}`, `# ${'requirement'.padEnd(idW)}  level    time  result`]
  for (const r of results) {
    const why = r.outcome === 'pass' ? '' : `  ${(r.message ?? '').split('\n')[0].slice(0, 110)}`
    out.push(`# ${r.req.id.padEnd(idW)}  ${r.req.level.padEnd(6)} ${(r.ms / 1000).toFixed(1).padStart(5)}s  ${r.outcome}${why}`)
  }
  const c = countByLevel(results)
  out.push('#')
  out.push(`# level    pass  fail  skip`)
  for (const l of ['MUST', 'SHOULD', 'total'] as const) {
    out.push(`# ${l.padEnd(7)} ${String(c[l].pass).padStart(5)} ${String(c[l].fail).padStart(5)} ${String(c[l].skip).padStart(5)}`)
  }
  return out.join('\n')
}
