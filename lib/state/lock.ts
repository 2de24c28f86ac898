/**
 * One lock per container: flock on the container's state directory, so
 * concurrent commands on one id serialize. Released when the fd is closed
 * (or the process dies).
 */
import * as fs from 'node:fs';
import { native } from '../native';

export class Lock {
  private fd: number | undefined;
  private constructor(fd: number) {
    this.fd = fd;
  }

  /** Lock `dir`; undefined when it does not exist (any more). */
  static acquire(dir: string): Lock | undefined {
    let fd: number;
    try {
      fd = fs.openSync(dir, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
    } catch {
      return undefined;
    }
    native().flock(fd, true);
    // Whoever held it may have deleted the container in the meantime.
    if (!fs.existsSync(dir)) {
      fs.closeSync(fd);
      return undefined;
    }
    return new Lock(fd);
  }

  release(): void {
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.fd = undefined;
  }
}
