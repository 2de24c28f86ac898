/** What /proc says about a pid: alive, zombie, and its start time (field 22 of stat). */
import * as fs from 'node:fs';

export interface ProcInfo {
  state: string;
  startTime: string;
}

export function procInfo(pid: number): ProcInfo | undefined {
  if (!(pid > 0)) return undefined;
  let stat: string;
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // comm may hold spaces and parentheses: fields start after the last ')'.
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { state: rest[0], startTime: rest[19] };
}

/** The pid is the process that was recorded (same start time) and it has not exited. */
export function isAlive(pid: number, startTime: string): boolean {
  const p = procInfo(pid);
  return !!p && p.startTime === startTime && p.state !== 'Z' && p.state !== 'X';
}
