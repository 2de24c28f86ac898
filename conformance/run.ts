// CLI: node dist/conformance/run.js --runtime PATH [--only REGEXP] [--jobs N] [--list]
// (npm run conformance -- --runtime PATH). Prints TAP, then the summary table;
// exits 1 when a requirement fails.
import * as path from 'node:path'
import { CATALOGUE } from './catalogue'
import { tapHeader, tapPoint, summary } from './report'
import { cleanupActive, runSuite, select } from './suite'

function usage(): never {
  process.stderr.write('usage: run.js --runtime PATH [--only REGEXP] [--jobs N] [--list]\n')
  process.exit(2)
}

async function main(argv: string[]): Promise<number> {
  // `| head` closing the pipe is not an error
  process.stdout.on('error', () => process.exit(0))
  let runtime = ''
  let only: string | undefined
  let jobs = 4
  let list = false
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].includes('=') ? argv[i].split(/=(.*)/s) : [argv[i], undefined]
    const value = () => inline ?? argv[++i] ?? usage()
    if (flag === '--runtime') runtime = value()
    else if (flag === '--only') only = value()
    else if (flag === '--jobs') jobs = Number(value())
    else if (flag === '--list') list = true
    else usage()
  }
  if (list) {
    // the catalogue as a Markdown table
    const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ')
    process.stdout.write('| id | level | spec, section | requirement (quoted) | how it is checked |\n| --- | --- | --- | --- | --- |\n')
    for (const r of CATALOGUE) {
      const text = r.basis ? `${r.text} [binding through ${r.basis}]` : r.text
      const how = r.check ? r.how : `not observable: ${r.notObservable}`
      process.stdout.write(`| ${r.id} | ${r.level} | ${r.spec}, ${cell(r.section)} | ${cell(text)} | ${cell(how)} |\n`)
    }
    return 0
  }
  if (!runtime) usage()
  runtime = path.resolve(runtime)
  // an interrupted run still removes its containers, cgroups and temp dirs
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      process.stderr.write(`conformance: ${sig}, cleaning up\n`)
      void cleanupActive().finally(() => process.exit(130))
    })
  }
  const reqs = select(only)
  process.stdout.write(`${tapHeader(reqs.length)}\n`)
  let n = 0
  const results = await runSuite({
    runtime,
    only,
    jobs,
    onResult: (r) => process.stdout.write(`${tapPoint(r, ++n)}\n`),
  })
  process.stdout.write(`${summary(results, runtime)}\n`)
  return results.some((r) => r.outcome === 'fail') ? 1 : 0
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e) => {
    process.stderr.write(`conformance: ${(e as Error).message}\n`)
    process.exit(2)
  },
)
