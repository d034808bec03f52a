/**
 * The foreground of one process — the HTTP requests it is serving — as its background work sees it.
 *
 * The outbox relay asks {@link ForegroundGauge.quiet} before each round: while
 * {@link FOREGROUND_BUSY_REQUESTS} or more requests are in flight it waits, so that a burst (a funding rush:
 * thousands of bids in seconds) is answered first and the side effects it published (notifications,
 * custody instructions) follow right after it instead of taking CPU from it. The wait is bounded: under
 * endless load a round still runs every {@link FOREGROUND_MAX_DEFER_MS}, so nothing waits much longer
 * than that. Nothing depends on the wait for correctness: the events are durable in `outbox_events`.
 * @module
 */

/** In-flight requests from which the process counts as busy. */
export const FOREGROUND_BUSY_REQUESTS = 4;
/** Longest one {@link ForegroundGauge.quiet} waits. */
export const FOREGROUND_MAX_DEFER_MS = 2_000;
/** How often a waiting {@link ForegroundGauge.quiet} looks again. */
export const FOREGROUND_POLL_MS = 25;

/** Counts the requests in flight; lets background work wait for a lull. */
export interface ForegroundGauge {
  /** Requests being served now. */
  readonly inFlight: number;
  /** A request began. */
  enter(): void;
  /** A request ended (its handler returned or threw). */
  leave(): void;
  /**
   * Resolves once fewer than {@link FOREGROUND_BUSY_REQUESTS} requests are in flight, or after
   * `maxWaitMs` (default {@link FOREGROUND_MAX_DEFER_MS}) whatever the load. Returns the ms waited.
   */
  quiet(options?: { maxWaitMs?: number }): Promise<number>;
}

/** A gauge for one process (main.ts counts every request through it). */
export function createForegroundGauge(): ForegroundGauge {
  let inFlight = 0;
  return {
    get inFlight() {
      return inFlight;
    },
    enter() {
      inFlight++;
    },
    leave() {
      if (inFlight > 0) inFlight--;
    },
    async quiet(options = {}) {
      const maxWaitMs = options.maxWaitMs ?? FOREGROUND_MAX_DEFER_MS;
      const start = Date.now();
      while (inFlight >= FOREGROUND_BUSY_REQUESTS) {
        const waited = Date.now() - start;
        if (waited >= maxWaitMs) break;
        await new Promise((resolve) => setTimeout(resolve, Math.min(FOREGROUND_POLL_MS, maxWaitMs - waited)));
      }
      return Date.now() - start;
    },
  };
}
