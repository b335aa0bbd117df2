/*
 * CPU time from /proc (Linux), so that a benchmark can show where the cores went instead of guessing:
 * per process (every thread of it, and the children it spawned), and for the whole machine.
 */
import { execFileSync } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';

/** Clock ticks a second, the unit of /proc/<pid>/stat and /proc/stat. */
const TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());

interface ProcStat {
  ppid: number;
  /** utime + stime: every thread of the process. */
  own: number;
  /** cutime + cstime: its children that have ended and been waited for. */
  reaped: number;
}

/** Fields 4 and 14–17 of /proc/<pid>/stat (the name, field 2, may hold spaces: counted from its closing parenthesis). */
async function procStat(pid: number): Promise<ProcStat | undefined> {
  const text = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const field = (n: number) => Number(fields[n - 3]);
  return { ppid: field(4), own: field(14) + field(15), reaped: field(16) + field(17) };
}

/**
 * CPU seconds used so far by each process of `roots` and every live descendant of it (PostgreSQL's
 * backends are children of the postmaster), plus the children it has reaped: one sum per root.
 */
export async function treeCpuSeconds(roots: number[]): Promise<number[]> {
  const stats = new Map<number, ProcStat>();
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = await procStat(Number(name));
    if (stat) stats.set(Number(name), stat);
  }
  const children = new Map<number, number[]>();
  for (const [pid, { ppid }] of stats) children.set(ppid, [...(children.get(ppid) ?? []), pid]);
  return roots.map((root) => {
    const rootStat = stats.get(root);
    if (!rootStat) return 0;
    let ticks = rootStat.reaped;
    const pending = [root];
    while (pending.length > 0) {
      const pid = pending.pop()!;
      ticks += stats.get(pid)?.own ?? 0;
      pending.push(...(children.get(pid) ?? []));
    }
    return ticks / TICKS;
  });
}

/** CPU seconds the whole machine has spent busy (not idle, not waiting for I/O) since boot, all cores together. */
export async function machineBusySeconds(): Promise<number> {
  const [, ...values] = (await readFile('/proc/stat', 'utf8')).split('\n')[0]!.trim().split(/\s+/);
  // user nice system idle iowait irq softirq steal: idle and iowait left out.
  const [user, nice, system, , , irq, softirq, steal] = values.map(Number) as number[];
  return (user! + nice! + system! + irq! + softirq! + steal!) / TICKS;
}

/**
 * The scheduler groups of these processes ("/autogroup-N"), or undefined when the kernel has no
 * autogroups. With kernel.sched_autogroup_enabled = 1 the scheduler shares the CPU between sessions
 * (autogroups) first and only then between the processes of one: processes of one session do not get
 * more CPU by being more of them.
 */
export async function schedulerGroups(pids: number[]): Promise<{ enabled: boolean; groups: string[] } | undefined> {
  const enabled = await readFile('/proc/sys/kernel/sched_autogroup_enabled', 'utf8').catch(() => undefined);
  if (enabled === undefined) return undefined;
  const groups = new Set<string>();
  for (const pid of pids) {
    const line = await readFile(`/proc/${pid}/autogroup`, 'utf8').catch(() => undefined);
    if (line !== undefined) groups.add(line.split(' ')[0]!.trim());
  }
  return { enabled: enabled.trim() === '1', groups: [...groups] };
}
