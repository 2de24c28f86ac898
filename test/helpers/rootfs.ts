// A busybox rootfs, built once per machine and shared (read-only) by every
// test process; bundles get a copy (cp -a) of it.
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { execFileSync } from 'node:child_process'
import { HOST_BUSYBOX } from './paths'

/** Bump when the layout below changes: a new cache dir is built. */
const LAYOUT_VERSION = 1

export const PASSWD = [
  'root:x:0:0:root:/root:/bin/sh',
  'test:x:1000:1000:test:/home/test:/bin/sh',
  'nobody:x:65534:65534:nobody:/nonexistent:/bin/false',
  '',
].join('\n')

export const GROUP = [
  'root:x:0:',
  'tty:x:5:',
  'test:x:1000:',
  'extra:x:1001:test',
  'extra2:x:1002:',
  'nogroup:x:65534:',
  '',
].join('\n')

/** Test user and groups present in the rootfs. */
export const TEST_USER = { uid: 1000, gid: 1000, name: 'test', extraGids: [1001, 1002] }
export const NOBODY = { uid: 65534, gid: 65534 }

let cached: string | undefined

function buildInto(dir: string): void {
  const bin = path.join(dir, 'bin')
  fs.mkdirSync(bin, { recursive: true, mode: 0o755 })
  fs.copyFileSync(HOST_BUSYBOX, path.join(bin, 'busybox'))
  fs.chmodSync(path.join(bin, 'busybox'), 0o755)
  const names = execFileSync(HOST_BUSYBOX, ['--list'], { encoding: 'utf8' })
    .split('\n')
    .map((s) => s.trim())
    .filter((s) => s !== '' && !s.includes('/'))
  for (const name of new Set(names)) {
    // a `busybox -> busybox` link would replace the binary with a self-loop
    if (name === 'busybox') continue
    fs.symlinkSync('busybox', path.join(bin, name))
  }
  for (const d of ['proc', 'sys', 'dev', 'etc', 'root', 'home', 'home/test']) {
    fs.mkdirSync(path.join(dir, d), { recursive: true, mode: 0o755 })
  }
  fs.mkdirSync(path.join(dir, 'tmp'), { mode: 0o1777 })
  fs.chmodSync(path.join(dir, 'tmp'), 0o1777)
  fs.chmodSync(path.join(dir, 'root'), 0o700)
  fs.chownSync(path.join(dir, 'home/test'), TEST_USER.uid, TEST_USER.gid)
  fs.writeFileSync(path.join(dir, 'etc/passwd'), PASSWD, { mode: 0o644 })
  fs.writeFileSync(path.join(dir, 'etc/group'), GROUP, { mode: 0o644 })
  fs.chmodSync(dir, 0o755)
}

/**
 * Path of the shared busybox rootfs template. Built once per machine (per
 * busybox binary and layout version) under os.tmpdir(), atomically: built in a
 * temp dir and renamed into place, so parallel test processes never see a
 * half-built one. Never modify it: copy it (makeBundle does).
 */
export function rootfsTemplate(): string {
  if (cached && fs.existsSync(path.join(cached, 'bin/busybox'))) return cached
  const st = fs.statSync(HOST_BUSYBOX)
  const final = path.join(
    os.tmpdir(),
    `ocits-test-rootfs-${Math.floor(st.mtimeMs)}-${st.size}-v${LAYOUT_VERSION}`,
  )
  if (!fs.existsSync(path.join(final, 'bin/busybox'))) {
    const tmp = fs.mkdtempSync(`${final}.tmp-`)
    try {
      buildInto(tmp)
      try {
        fs.renameSync(tmp, final)
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code
        // someone else won the race: use theirs
        if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw e
      }
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true })
    }
  }
  cached = final
  return final
}

/** Copy the template to `dest` (which must not exist), preserving links, modes and owners. */
export function copyRootfs(dest: string): void {
  copyTree(rootfsTemplate(), dest)
}

// In-process copy: spawning `cp -a` from a big Node process costs 50-200 ms.
function copyTree(src: string, dest: string): void {
  const st = fs.lstatSync(src)
  if (st.isSymbolicLink()) {
    fs.symlinkSync(fs.readlinkSync(src), dest)
    fs.lchownSync(dest, st.uid, st.gid)
  } else if (st.isDirectory()) {
    fs.mkdirSync(dest)
    for (const e of fs.readdirSync(src)) copyTree(path.join(src, e), path.join(dest, e))
    fs.chownSync(dest, st.uid, st.gid)
    fs.chmodSync(dest, st.mode & 0o7777)
  } else if (st.isFile()) {
    fs.copyFileSync(src, dest)
    fs.chownSync(dest, st.uid, st.gid)
    fs.chmodSync(dest, st.mode & 0o7777)
  } else {
    throw new Error(`unexpected file type in the rootfs template: ${src}`)
  }
}
