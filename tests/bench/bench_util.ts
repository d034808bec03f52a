/**
 * Small helpers the benches share: a statement on a maintenance connection, a URL for another database
 * on the same server, a free TCP port, and a process's CPU time.
 * @module
 */
import postgres from "postgres";

/** Run one statement (e.g. `create database …`) on its own connection to `url`. */
export async function admin(url: string, statement: string): Promise<void> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await sql.unsafe(statement);
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/** `url` with its database replaced by `name`. */
export function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

/** A TCP port free on 127.0.0.1 right now. */
export function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

/**
 * CPU time (user + system, all threads) a process has used so far, in microseconds, from
 * `/proc/<pid>/stat` (Linux); null elsewhere. Unlike wall time it barely moves when other programs
 * share the machine, so per-request CPU is the steadier figure on a busy box.
 */
export async function cpuMicros(pid: number): Promise<number | null> {
  try {
    const fields = (await Deno.readTextFile(`/proc/${pid}/stat`)).split(") ")[1].split(" ");
    // after "pid (comm) ", utime and stime are fields 12 and 13 (0-based), in clock ticks of 10 ms
    return (Number(fields[11]) + Number(fields[12])) * 10_000;
  } catch {
    return null;
  }
}
