/**
 * Main-thread work of scoring requests, taken in turns with the event loop's I/O. Under load every loop
 * iteration used to run the next step of every request in flight (parse, decode start, answer): with 256
 * clients an iteration took 200+ ms, and a health check arriving meanwhile waited for it (issue 21: /healthz
 * p99 of seconds at 256 clients on the scoring port, while the loop itself never stopped). A request instead
 * awaits `nextTurn()` before each costly step; the steps waiting run one at a time, one per loop iteration
 * (a setImmediate each), so each iteration polls I/O between two steps: a health check (answered straight from
 * the poll phase) waits for at most one step, whatever the load. The total work is unchanged; an iteration
 * with nothing else to do costs microseconds.
 */
const waiting: (() => void)[] = [];
let scheduled = false;

function runOne(): void {
  scheduled = false;
  const next = waiting.shift();
  next?.();
  // Its continuation runs in this iteration's microtask checkpoint; the next step is scheduled after it (so what
  // that step queued with setImmediate runs first), for the next iteration.
  queueMicrotask(() => {
    if (waiting.length > 0) schedule();
  });
}

function schedule(): void {
  if (scheduled) return;
  scheduled = true;
  setImmediate(runOne);
}

/** Resolves on a later loop iteration, after the steps that asked before it (first come, first served). */
export function nextTurn(): Promise<void> {
  return new Promise<void>((resolve) => {
    waiting.push(resolve);
    schedule();
  });
}

/** Steps waiting for their turn (for tests and metrics). */
export function waitingTurns(): number {
  return waiting.length;
}
