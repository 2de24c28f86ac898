/**
 * InitPlan -> bytes, in the fixed order addon/init/plan.cc decodes:
 * little-endian u32/u64, strings as u32 length + UTF-8 bytes, lists as u32
 * count + items.
 */
import { PLAN_MAGIC, PLAN_VERSION } from '../native/protocol';
import type { InitPlan } from './types';

class Writer {
  private buf = Buffer.allocUnsafe(4096);
  private pos = 0;
  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }
  u32(v: number): void {
    this.ensure(4);
    this.buf.writeUInt32LE(v >>> 0, this.pos);
    this.pos += 4;
  }
  u64(v: bigint | number): void {
    // Two u32 halves: cheaper than BigInt arithmetic in a cold process.
    let lo: number;
    let hi: number;
    if (typeof v === 'number') {
      lo = v >>> 0;
      hi = Math.floor(v / 0x100000000) >>> 0;
    } else {
      lo = Number(v & 0xffffffffn);
      hi = Number((v >> 32n) & 0xffffffffn);
    }
    this.u32(lo);
    this.u32(hi);
  }
  str(s: string): void {
    const n = Buffer.byteLength(s);
    this.u32(n);
    this.ensure(n);
    this.buf.write(s, this.pos);
    this.pos += n;
  }
  bytes(b: Buffer): void {
    this.u32(b.length);
    this.ensure(b.length);
    b.copy(this.buf, this.pos);
    this.pos += b.length;
  }
  strs(list: readonly string[]): void {
    this.u32(list.length);
    for (const s of list) this.str(s);
  }
  done(): Buffer {
    return this.buf.subarray(0, this.pos);
  }
}

export function encodePlan(p: InitPlan): Buffer {
  const w = new Writer();
  w.u32(PLAN_MAGIC);
  w.u32(PLAN_VERSION);
  w.u32(p.flags);
  w.u32(p.cloneFlags);
  w.u32(p.joins.length);
  for (const j of p.joins) {
    w.u32(j.type);
    w.str(j.path);
  }
  w.str(p.rootfs);
  w.u64(p.rootPropagation);
  w.str(p.hostname);
  w.str(p.domainname);
  w.u32(p.mounts.length);
  for (const m of p.mounts) {
    w.str(m.source);
    w.str(m.destination);
    w.str(m.fstype);
    w.str(m.data);
    w.u64(m.flags);
    w.u32(m.ext);
    w.u32(m.propagation.length);
    for (const f of m.propagation) w.u64(f);
    w.u64(m.attrSet);
    w.u64(m.attrClr);
    w.u32(m.index);
  }
  w.u32(p.devices.length);
  for (const d of p.devices) {
    w.str(d.path);
    w.u32(d.type.charCodeAt(0));
    w.u32(d.major);
    w.u32(d.minor);
    w.u32(d.mode);
    w.u32(d.uid);
    w.u32(d.gid);
  }
  w.strs(p.maskedPaths);
  w.strs(p.readonlyPaths);
  w.u32(p.sysctls.length);
  for (const [k, v] of p.sysctls) {
    w.str(k);
    w.str(v);
  }
  w.u32(p.rlimits.length);
  for (const r of p.rlimits) {
    w.u32(r.resource);
    w.u64(r.soft);
    w.u64(r.hard);
  }
  w.u32(p.oomScoreAdj | 0);
  w.u64(p.caps.bounding);
  w.u64(p.caps.effective);
  w.u64(p.caps.permitted);
  w.u64(p.caps.inheritable);
  w.u64(p.caps.ambient);
  w.u32(p.uid);
  w.u32(p.gid);
  w.u32(p.additionalGids.length);
  for (const g of p.additionalGids) w.u32(g);
  w.u32(p.umask);
  w.str(p.cwd);
  w.strs(p.args);
  w.strs(p.env);
  w.str(p.fifoPath);
  w.u32(p.hookPoints);
  w.str(p.keyring);
  w.u32(p.seccompFlags);
  w.bytes(p.seccompBpf);
  w.u32(p.timeOffsets.length);
  for (const o of p.timeOffsets) {
    w.u32(o.clock);
    w.u64(o.secs);
    w.u32(o.nanos);
  }
  w.u32(p.ioprio);
  w.u32(p.sched.policy);
  w.u32(p.sched.nice | 0);
  w.u32(p.sched.priority);
  w.u32(p.sched.flags);
  w.u64(p.sched.runtime);
  w.u64(p.sched.deadline);
  w.u64(p.sched.period);
  w.u32(p.personality);
  w.str(p.apparmorProfile);
  w.str(p.selinuxLabel);
  for (const list of [p.createContainerHooks, p.startContainerHooks]) {
    w.u32(list.length);
    for (const h of list) {
      w.str(h.path);
      w.strs(h.args);
      w.strs(h.env);
      w.u32(h.timeout);
    }
  }
  w.u32(p.consoleRows);
  w.u32(p.consoleCols);
  return w.done();
}
