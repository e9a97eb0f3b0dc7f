/**
 * Overlaps producing the next items with consuming the current one: while
 * the training step runs on batch n, batches n+1…n+depth are already being
 * decoded. With Worker replicas the step leaves the calling thread idle, so
 * decoding proceeds in full; with one in-thread replica, native decoders
 * (sharp/libvips) still run on their own threads during the step and only
 * their completions wait.
 *
 * @module
 */

/**
 * Yields `source`'s items in order, keeping up to `depth` further items in
 * flight. An error from the source surfaces at the item where it happened.
 *
 * @example Decode ahead of the step
 * ```ts ignore
 * for await (const batch of prefetch(batches, 2)) await trainer.step(batch.images, batch.labels, lr);
 * ```
 */
export async function* prefetch<T>(
  source: AsyncIterable<T> | Iterable<T>,
  depth = 1,
): AsyncGenerator<T> {
  if (!(Number.isInteger(depth) && depth >= 1)) {
    throw new RangeError(
      `Cannot prefetch ${depth} items ahead: use an integer >= 1`,
    );
  }
  const iterator = Symbol.asyncIterator in source
    ? (source as AsyncIterable<T>)[Symbol.asyncIterator]()
    : (source as Iterable<T>)[Symbol.iterator]();
  const ahead: Promise<IteratorResult<T>>[] = [];
  // Requests run one after another (iterators need not support concurrent next()).
  let chain: Promise<unknown> = Promise.resolve();
  const request = () => {
    const next = chain.then(() => iterator.next()) as Promise<
      IteratorResult<T>
    >;
    chain = next.catch(() => undefined);
    ahead.push(next);
  };
  try {
    for (let i = 0; i < depth; i++) request();
    while (true) {
      const result = await ahead.shift()!;
      if (result.done) return;
      request();
      yield result.value;
    }
  } finally {
    // Let in-flight requests settle before closing the source.
    await Promise.allSettled(ahead);
    await iterator.return?.();
  }
}
