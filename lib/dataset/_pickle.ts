/**
 * A reader for the one kind of pickle the notebook ships: a dict whose keys
 * and values are ints or strings (label2landmark_id.pkl). It interprets only
 * the data opcodes needed for that (protocols 0–5), never GLOBAL/REDUCE or
 * anything that could run code; every other opcode is an error.
 *
 * @module
 */

/** A key or value of the dict. */
export type PickleScalar = number | string;

const TEXT = new TextDecoder("utf-8", { fatal: true });

/**
 * Parses a pickled `dict[int | str, int | str]`.
 *
 * @throws {SyntaxError} for anything else, naming the opcode and its byte offset
 */
export function parsePickledDict(
  bytes: Uint8Array,
): Map<PickleScalar, PickleScalar> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const stack: unknown[] = [];
  const marks: number[] = [];
  const memo = new Map<number, unknown>();
  let pos = 0;
  const need = (n: number) => {
    if (pos + n > bytes.length) throw fail(pos, "the pickle ends early");
  };
  const text = (n: number) => {
    need(n);
    const s = TEXT.decode(bytes.subarray(pos, pos + n));
    pos += n;
    return s;
  };
  const line = () => {
    const end = bytes.indexOf(0x0a, pos);
    if (end < 0) throw fail(pos, "unterminated text line");
    const s = text(end - pos);
    pos++;
    return s;
  };
  const push = (from: Map<number, unknown>, key: number, at: number) => {
    if (!from.has(key)) throw fail(at, `memo entry ${key} is not defined`);
    stack.push(from.get(key));
  };
  const pop = () => {
    if (stack.length === 0) throw fail(pos, "stack underflow");
    return stack.pop();
  };
  const popMark = () => {
    const m = marks.pop();
    if (m === undefined) throw fail(pos, "no MARK before this opcode");
    return stack.splice(m);
  };
  const setItems = (items: unknown[]) => {
    const dict = stack.at(-1);
    if (!(dict instanceof Map)) throw fail(pos, "SETITEM(S) without a dict");
    if (items.length % 2) throw fail(pos, "odd number of items for a dict");
    for (let i = 0; i < items.length; i += 2) {
      dict.set(scalar(items[i], pos), scalar(items[i + 1], pos));
    }
  };
  while (pos < bytes.length) {
    const at = pos;
    const op = bytes[pos++];
    switch (op) {
      case 0x80: // PROTO n
        need(1);
        pos += 1;
        break;
      case 0x95: // FRAME u64
        need(8);
        pos += 8;
        break;
      case 0x7d: // EMPTY_DICT
        stack.push(new Map());
        break;
      case 0x28: // MARK
        marks.push(stack.length);
        break;
      case 0x4b: // BININT1
        need(1);
        stack.push(bytes[pos++]);
        break;
      case 0x4d: // BININT2
        need(2);
        stack.push(view.getUint16(pos, true));
        pos += 2;
        break;
      case 0x4a: // BININT (signed 32)
        need(4);
        stack.push(view.getInt32(pos, true));
        pos += 4;
        break;
      case 0x8a: { // LONG1 n, little-endian two's complement
        need(1);
        const n = bytes[pos++];
        need(n);
        let v = 0n;
        for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[pos + i]);
        if (n > 0 && bytes[pos + n - 1] & 0x80) v -= 1n << BigInt(8 * n);
        pos += n;
        if (
          v > BigInt(Number.MAX_SAFE_INTEGER) ||
          v < BigInt(Number.MIN_SAFE_INTEGER)
        ) {
          throw fail(at, `integer ${v} is beyond 2^53`);
        }
        stack.push(Number(v));
        break;
      }
      case 0x49: // INT (protocol 0): a decimal line
      case 0x4c: { // LONG (protocol 0): a decimal line ending in "L"
        const s = line().replace(/L$/, "");
        if (!/^-?\d+$/.test(s) || !Number.isSafeInteger(Number(s))) {
          throw fail(at, `"${s}" is not an integer below 2^53`);
        }
        stack.push(Number(s));
        break;
      }
      case 0x64: { // DICT (protocol 0): the items since MARK
        const items = popMark();
        stack.push(new Map());
        setItems(items);
        break;
      }
      case 0x70: // PUT (protocol 0): a decimal memo index
        memo.set(Number(line()), stack.at(-1));
        break;
      case 0x67: // GET
        push(memo, Number(line()), at);
        break;
      case 0x68: // BINGET
        need(1);
        push(memo, bytes[pos++], at);
        break;
      case 0x6a: // LONG_BINGET
        need(4);
        pos += 4;
        push(memo, view.getUint32(pos - 4, true), at);
        break;
      case 0x8c: { // SHORT_BINUNICODE
        need(1);
        const n = bytes[pos++];
        stack.push(text(n));
        break;
      }
      case 0x58: { // BINUNICODE
        need(4);
        const n = view.getUint32(pos, true);
        pos += 4;
        stack.push(text(n));
        break;
      }
      case 0x94: // MEMOIZE
        memo.set(memo.size, stack.at(-1));
        break;
      case 0x71: // BINPUT
        need(1);
        memo.set(bytes[pos++], stack.at(-1));
        break;
      case 0x72: // LONG_BINPUT
        need(4);
        memo.set(view.getUint32(pos, true), stack.at(-1));
        pos += 4;
        break;
      case 0x73: { // SETITEM
        const value = pop();
        const key = pop();
        setItems([key, value]);
        break;
      }
      case 0x75: // SETITEMS
        setItems(popMark());
        break;
      case 0x2e: { // STOP
        const result = pop();
        if (!(result instanceof Map)) {
          throw fail(at, "the pickle does not hold a dict");
        }
        return result;
      }
      default:
        throw fail(
          at,
          `opcode 0x${
            op.toString(16)
          } is not supported: only a dict of plain ints and strings is read (convert numpy ints with int() and pickle again)`,
        );
    }
  }
  throw fail(pos, "no STOP opcode");
}

function scalar(value: unknown, pos: number): PickleScalar {
  if (typeof value === "number" || typeof value === "string") return value;
  throw fail(pos, "a dict key or value is neither an int nor a string");
}

function fail(pos: number, problem: string): SyntaxError {
  return new SyntaxError(`Cannot read pickle at byte ${pos}: ${problem}`);
}
