import { prefetch } from "../../../lib/nn/prefetch.ts";

const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

Deno.test("prefetch() starts producing the next item while the current one is consumed", async () => {
  const events: string[] = [];
  async function* source() {
    for (let i = 0; i < 3; i++) {
      events.push(`start ${i}`);
      await tick(5);
      events.push(`made ${i}`);
      yield i;
    }
  }
  const got: number[] = [];
  for await (const item of prefetch(source(), 1)) {
    events.push(`consume ${item}`);
    await tick(20); // the "training step"
    events.push(`done ${item}`);
    got.push(item);
  }
  if (got.join() !== "0,1,2") throw new Error(`order ${got}`);
  // Without prefetching, item 1 would only be made after item 0 is done.
  if (!(events.indexOf("made 1") < events.indexOf("done 0"))) {
    throw new Error(events.join(", "));
  }
});

Deno.test("prefetch() keeps up to depth items in flight and takes plain iterables", async () => {
  let started = 0;
  const items = (function* () {
    for (let i = 0; i < 10; i++) {
      started++;
      yield i;
    }
  })();
  const iterator = prefetch(items, 3);
  const first = await iterator.next();
  await tick(1);
  if (first.value !== 0 || started !== 4) {
    throw new Error(`first ${first.value}, started ${started}`);
  }
  await iterator.return(undefined);
});

Deno.test("prefetch() surfaces the source's error at its position", async () => {
  async function* failing() {
    yield 1;
    throw new Error("decode failed at record 2");
  }
  const got: number[] = [];
  let message = "";
  try {
    for await (const item of prefetch(failing(), 2)) got.push(item);
  } catch (error) {
    message = (error as Error).message;
  }
  if (got.join() !== "1" || message !== "decode failed at record 2") {
    throw new Error(`${got} ${message}`);
  }
});
