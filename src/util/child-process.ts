import type { ChildProcess } from 'node:child_process';

/** Whatever way our process ends, `child` ends with it (nothing left running or holding a port). */
export function endWithThisProcess(child: ChildProcess): void {
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  child.once('exit', () => process.removeListener('exit', killOnExit));
}
