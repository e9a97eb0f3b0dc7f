/**
 * A lock this process holds, whatever kind it is (flock or lease).
 *
 * @module
 */

/** A held lock; release it with `release()` (or `using`). */
export interface HeldLock extends Disposable {
  /** Releases the lock. */
  release(): void;
  /** Aborted when the lock was lost (a lease taken over after this process stalled); never for flock. */
  readonly lost: AbortSignal;
}
