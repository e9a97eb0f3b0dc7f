/**
 * Bounded concurrency for async jobs (sharp decodes run on worker threads;
 * a few in flight keep both cores busy). Private to lib/image.
 *
 * @module
 */

/** Admits at most `limit` jobs at a time; others wait in FIFO order. */
export class Limiter {
  readonly #limit: number;
  #running = 0;
  readonly #waiting: (() => void)[] = [];

  constructor(limit: number) {
    this.#limit = Math.max(1, limit);
  }

  /** Runs `job` once a slot is free. */
  async run<T>(job: () => Promise<T>): Promise<T> {
    if (this.#running >= this.#limit) {
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    } else this.#running++;
    try {
      return await job();
    } finally {
      // Hand the slot straight to the next waiter, or free it.
      const next = this.#waiting.shift();
      if (next) next();
      else this.#running--;
    }
  }
}

/**
 * Maps `items` through `fn` with up to `limit` calls in flight, yielding
 * results in input order.
 */
export async function* mapInOrder<T, R>(
  items: Iterable<T>,
  limit: number,
  fn: (item: T) => Promise<R>,
): AsyncGenerator<R> {
  const pending: Promise<R>[] = [];
  const iterator = items[Symbol.iterator]();
  const fill = () => {
    while (pending.length < limit) {
      const next = iterator.next();
      if (next.done) return;
      const p = fn(next.value);
      p.catch(() => {}); // surfaced when awaited in order
      pending.push(p);
    }
  };
  fill();
  while (pending.length > 0) {
    const result = await pending.shift()!;
    fill();
    yield result;
  }
}
