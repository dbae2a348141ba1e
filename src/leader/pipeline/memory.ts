/** The process's memory in MB, for the pass-finished log lines. */
export function memoryMb(): { rss: number; heapUsed: number; heapTotal: number; external: number } {
  const mem = process.memoryUsage();
  const mb = (n: number): number => Math.round(n / 1048576);
  return {
    rss: mb(mem.rss),
    heapUsed: mb(mem.heapUsed),
    heapTotal: mb(mem.heapTotal),
    external: mb(mem.external),
  };
}
