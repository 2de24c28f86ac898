/**
 * Split a container's output printed as `=== name` sections into a map;
 * anything before the first section is kept under '(preamble)'.
 */
export function sections(out: string): Record<string, string> {
  const res: Record<string, string> = {}
  let cur = '(preamble)'
  for (const line of out.split('\n')) {
    const m = /^=== (.+)$/.exec(line)
    if (m) {
      cur = m[1]
      res[cur] = ''
    } else {
      res[cur] = (res[cur] ?? '') + line + '\n'
    }
  }
  for (const k of Object.keys(res)) res[k] = res[k].replace(/\n+$/, '')
  return res
}
