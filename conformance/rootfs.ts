// The suite's busybox rootfs: built once per machine (per busybox binary and
// checker source) under os.tmpdir(), atomically, then copied into each bundle.
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { createHash } from 'node:crypto'
import { execFileSync } from 'node:child_process'

export const HOST_BUSYBOX = '/bin/busybox'
const LAYOUT_VERSION = 1

export const PASSWD = 'root:x:0:0:root:/root:/bin/sh\ntest:x:1000:1000:test:/home/test:/bin/sh\n'
export const GROUP = 'root:x:0:\ntty:x:5:\ntest:x:1000:\nextra:x:1001:\nextra2:x:1002:\n'

const CHECKER_SRC = path.join(__dirname, 'checker', 'checker.c')

function checkerSource(): string {
  // compiled (dist/conformance) or run from source (conformance/)
  for (const p of [CHECKER_SRC, path.join(__dirname, '..', '..', 'conformance', 'checker', 'checker.c')]) {
    if (fs.existsSync(p)) return p
  }
  throw new Error(`checker.c not found next to ${__dirname}`)
}

/** Build the checker (static) into `out`; returns false when no compiler can. */
function buildChecker(out: string): boolean {
  for (const cc of ['cc', 'gcc', 'clang']) {
    try {
      execFileSync(cc, ['-static', '-O2', '-o', out, checkerSource()], { stdio: 'ignore' })
      return true
    } catch {
      /* next */
    }
  }
  return false
}

function buildInto(dir: string): void {
  const bin = path.join(dir, 'bin')
  fs.mkdirSync(bin, { recursive: true, mode: 0o755 })
  fs.copyFileSync(HOST_BUSYBOX, path.join(bin, 'busybox'))
  fs.chmodSync(path.join(bin, 'busybox'), 0o755)
  const names = execFileSync(HOST_BUSYBOX, ['--list'], { encoding: 'utf8' })
    .split('\n')
    .map((s) => s.trim())
    .filter((s) => s !== '' && !s.includes('/') && s !== 'busybox')
  for (const n of new Set(names)) fs.symlinkSync('busybox', path.join(bin, n))
  for (const d of ['proc', 'sys', 'dev', 'etc', 'root', 'home/test', 'mnt']) {
    fs.mkdirSync(path.join(dir, d), { recursive: true, mode: 0o755 })
  }
  fs.mkdirSync(path.join(dir, 'tmp'), { mode: 0o1777 })
  fs.chmodSync(path.join(dir, 'tmp'), 0o1777)
  fs.writeFileSync(path.join(dir, 'etc/passwd'), PASSWD, { mode: 0o644 })
  fs.writeFileSync(path.join(dir, 'etc/group'), GROUP, { mode: 0o644 })
  if (buildChecker(path.join(bin, 'checker'))) fs.chmodSync(path.join(bin, 'checker'), 0o755)
  fs.chmodSync(dir, 0o755)
}

let cached: string | undefined

/** The template's path (never modify it). */
export function rootfsTemplate(): string {
  if (cached && fs.existsSync(path.join(cached, 'bin/busybox'))) return cached
  const st = fs.statSync(HOST_BUSYBOX)
  const h = createHash('sha256').update(fs.readFileSync(checkerSource())).digest('hex').slice(0, 12)
  const final = path.join(os.tmpdir(), `ocits-conformance-rootfs-${Math.floor(st.mtimeMs)}-${st.size}-${h}-v${LAYOUT_VERSION}`)
  if (!fs.existsSync(path.join(final, 'bin/busybox'))) {
    const tmp = fs.mkdtempSync(`${final}.tmp-`)
    try {
      buildInto(tmp)
      try {
        fs.renameSync(tmp, final)
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code
        if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw e
      }
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true })
    }
  }
  cached = final
  return final
}

/** Whether the template holds the checker (a compiler was found). */
export function hasChecker(): boolean {
  return fs.existsSync(path.join(rootfsTemplate(), 'bin/checker'))
}

export function copyRootfs(dest: string): void {
  copyTree(rootfsTemplate(), dest)
}

function copyTree(src: string, dest: string): void {
  const st = fs.lstatSync(src)
  if (st.isSymbolicLink()) {
    fs.symlinkSync(fs.readlinkSync(src), dest)
  } else if (st.isDirectory()) {
    fs.mkdirSync(dest)
    for (const e of fs.readdirSync(src)) copyTree(path.join(src, e), path.join(dest, e))
    fs.chmodSync(dest, st.mode & 0o7777)
  } else if (st.isFile()) {
    fs.copyFileSync(src, dest)
    fs.chmodSync(dest, st.mode & 0o7777)
  }
}
