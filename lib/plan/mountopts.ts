/**
 * config.json mount options -> mount(2) flags, propagation changes and the
 * data string, as runc's table (libcontainer/specconv) has them.
 */

export const MS = {
  RDONLY: 1,
  NOSUID: 2,
  NODEV: 4,
  NOEXEC: 8,
  SYNCHRONOUS: 16,
  REMOUNT: 32,
  MANDLOCK: 64,
  DIRSYNC: 128,
  NOSYMFOLLOW: 256,
  NOATIME: 1024,
  NODIRATIME: 2048,
  BIND: 4096,
  MOVE: 8192,
  REC: 16384,
  SILENT: 32768,
  POSIXACL: 1 << 16,
  UNBINDABLE: 1 << 17,
  PRIVATE: 1 << 18,
  SLAVE: 1 << 19,
  SHARED: 1 << 20,
  RELATIME: 1 << 21,
  I_VERSION: 1 << 23,
  STRICTATIME: 1 << 24,
  LAZYTIME: 1 << 25,
} as const;

/** [clear?, flag]: an option either sets or clears its flag. */
const FLAGS: Record<string, [boolean, number]> = {
  acl: [false, MS.POSIXACL],
  async: [true, MS.SYNCHRONOUS],
  atime: [true, MS.NOATIME],
  bind: [false, MS.BIND],
  defaults: [false, 0],
  dev: [true, MS.NODEV],
  diratime: [true, MS.NODIRATIME],
  dirsync: [false, MS.DIRSYNC],
  exec: [true, MS.NOEXEC],
  iversion: [false, MS.I_VERSION],
  lazytime: [false, MS.LAZYTIME],
  loud: [true, MS.SILENT],
  mand: [false, MS.MANDLOCK],
  noacl: [true, MS.POSIXACL],
  noatime: [false, MS.NOATIME],
  nodev: [false, MS.NODEV],
  nodiratime: [false, MS.NODIRATIME],
  noexec: [false, MS.NOEXEC],
  noiversion: [true, MS.I_VERSION],
  nolazytime: [true, MS.LAZYTIME],
  nomand: [true, MS.MANDLOCK],
  norelatime: [true, MS.RELATIME],
  nostrictatime: [true, MS.STRICTATIME],
  nosuid: [false, MS.NOSUID],
  nosymfollow: [false, MS.NOSYMFOLLOW],
  rbind: [false, MS.BIND | MS.REC],
  relatime: [false, MS.RELATIME],
  remount: [false, MS.REMOUNT],
  ro: [false, MS.RDONLY],
  rw: [true, MS.RDONLY],
  silent: [false, MS.SILENT],
  strictatime: [false, MS.STRICTATIME],
  suid: [true, MS.NOSUID],
  sync: [false, MS.SYNCHRONOUS],
};

export const PROPAGATION: Record<string, number> = {
  private: MS.PRIVATE,
  rprivate: MS.PRIVATE | MS.REC,
  shared: MS.SHARED,
  rshared: MS.SHARED | MS.REC,
  slave: MS.SLAVE,
  rslave: MS.SLAVE | MS.REC,
  unbindable: MS.UNBINDABLE,
  runbindable: MS.UNBINDABLE | MS.REC,
};

/** mount_setattr(2)'s MOUNT_ATTR_* bits. */
export const MOUNT_ATTR = {
  RDONLY: 0x1,
  NOSUID: 0x2,
  NODEV: 0x4,
  NOEXEC: 0x8,
  _ATIME: 0x70,
  RELATIME: 0x0,
  NOATIME: 0x10,
  STRICTATIME: 0x20,
  NODIRATIME: 0x80,
  NOSYMFOLLOW: 0x200000,
} as const;

/** The recursive (AT_RECURSIVE) options of runtime-spec 1.1, as runc's table: [clear?, attribute]. */
export const RECURSIVE: Record<string, [boolean, number]> = {
  rro: [false, MOUNT_ATTR.RDONLY],
  rrw: [true, MOUNT_ATTR.RDONLY],
  rnosuid: [false, MOUNT_ATTR.NOSUID],
  rsuid: [true, MOUNT_ATTR.NOSUID],
  rnodev: [false, MOUNT_ATTR.NODEV],
  rdev: [true, MOUNT_ATTR.NODEV],
  rnoexec: [false, MOUNT_ATTR.NOEXEC],
  rexec: [true, MOUNT_ATTR.NOEXEC],
  rnodiratime: [false, MOUNT_ATTR.NODIRATIME],
  rdiratime: [true, MOUNT_ATTR.NODIRATIME],
  rrelatime: [false, MOUNT_ATTR.RELATIME],
  rnorelatime: [true, MOUNT_ATTR.RELATIME],
  rnoatime: [false, MOUNT_ATTR.NOATIME],
  ratime: [true, MOUNT_ATTR.NOATIME],
  rstrictatime: [false, MOUNT_ATTR.STRICTATIME],
  rnostrictatime: [true, MOUNT_ATTR.STRICTATIME],
  rnosymfollow: [false, MOUNT_ATTR.NOSYMFOLLOW],
  rsymfollow: [true, MOUNT_ATTR.NOSYMFOLLOW],
};

export interface ParsedOptions {
  flags: number;
  propagation: number[];
  data: string;
  /** options ocits recognises but does not implement (e.g. idmap): the caller decides */
  unsupported: string[];
  /** tmpcopyup: a tmpfs starts with a copy of what the directory under it held */
  copyUp: boolean;
  /** the recursive options as mount_setattr's attr_set / attr_clr (0/0: none) */
  attrSet: number;
  attrClr: number;
}

const UNSUPPORTED = new Set(['idmap', 'ridmap']);

export function parseMountOptions(options: readonly string[] = []): ParsedOptions {
  let flags = 0;
  const propagation: number[] = [];
  const data: string[] = [];
  const unsupported: string[] = [];
  let copyUp = false;
  let attrSet = 0;
  let attrClr = 0;
  for (const o of options) {
    if (o === 'tmpcopyup') {
      copyUp = true;
      continue;
    }
    const f = FLAGS[o];
    if (f) {
      flags = f[0] ? flags & ~f[1] : flags | f[1];
    } else if (o in PROPAGATION) {
      propagation.push(PROPAGATION[o]);
    } else if (o in RECURSIVE) {
      const [clear, attr] = RECURSIVE[o];
      if (clear) attrClr |= attr;
      else {
        attrSet |= attr;
        // mount_setattr(2): an access-time setting needs MOUNT_ATTR__ATIME in attr_clr
        if ((attr & MOUNT_ATTR._ATIME) === attr) attrClr |= MOUNT_ATTR._ATIME;
      }
    } else if (UNSUPPORTED.has(o)) {
      unsupported.push(o);
    } else {
      data.push(o);
    }
  }
  return { flags, propagation, data: data.join(','), unsupported, copyUp, attrSet, attrClr };
}
