import assert from "node:assert/strict";
import { readLabelMap } from "../../../lib/dataset/label_map.ts";
import { SourceError } from "../../../lib/dataset/source_error.ts";
import { tempDir } from "../../testdata/temp_dir.ts";

const PICKLES = new URL("../../testdata/pickles/", import.meta.url).pathname;
const dir = await tempDir("label_map_test_");

async function write(name: string, text: string): Promise<string> {
  await Deno.writeTextFile(`${dir}/${name}`, text);
  return `${dir}/${name}`;
}

const EXPECTED_IDS = ["7", "200", "70000", "138982", String(2 ** 40), "1"];

Deno.test("readLabelMap() reads the notebook's label2landmark_id pickle in protocols 0-5", async () => {
  for (let protocol = 0; protocol <= 5; protocol++) {
    const labels = await readLabelMap(
      `${PICKLES}/label2landmark_id.p${protocol}.pkl`,
    );
    assert.deepEqual(
      labels.map((l) => l.id),
      EXPECTED_IDS,
      `protocol ${protocol}`,
    );
    assert.deepEqual(labels.map((l) => l.label), [0, 1, 2, 3, 4, 5]);
  }
});

Deno.test("readLabelMap() refuses a pickle that would need code (numpy ints)", async () => {
  await assert.rejects(readLabelMap(`${PICKLES}/numpy.pkl`), (e: unknown) => {
    assert.ok(e instanceof SourceError);
    assert.match(e.message, /opcode 0x.. is not supported.*int\(\)/);
    return true;
  });
});

Deno.test("readLabelMap() reads JSON arrays and objects, and CSV with names", async () => {
  const array = await readLabelMap(
    await write(
      "a.json",
      '[{"label":1,"id":"x","name":"Trouser"},{"label":0,"name":"T-shirt/top"}]',
    ),
  );
  assert.deepEqual(array, [
    { label: 0, id: "0", name: "T-shirt/top" },
    { label: 1, id: "x", name: "Trouser" },
  ]);
  const object = await readLabelMap(
    await write("o.json", '{"1": 555, "0": 12}'),
  );
  assert.deepEqual(object.map((l) => l.id), ["12", "555"]);
  const csv = await readLabelMap(
    await write(
      "m.csv",
      'landmark_id,label,name\n17,1,"Eiffel, Tower"\n4,0,Louvre\n',
    ),
  );
  assert.deepEqual(csv, [
    { label: 0, id: "4", name: "Louvre" },
    { label: 1, id: "17", name: "Eiffel, Tower" },
  ]);
});

Deno.test("readLabelMap() rejects gaps, duplicates and bad rows with the file and line", async () => {
  await assert.rejects(
    readLabelMap(await write("gap.json", '{"0": 1, "2": 3}')),
    /labels must be 0..1 each once/,
  );
  await assert.rejects(
    readLabelMap(await write("dup.json", '{"0": 1, "00": 3}')),
    /each once/,
  );
  await assert.rejects(
    readLabelMap(await write("bad.csv", "label,id\n0,a\nx,b\n")),
    (e: unknown) => {
      assert.ok(e instanceof SourceError);
      assert.equal(e.line, 3);
      assert.match(e.message, /bad\.csv:3: .*"x" is not an integer/);
      return true;
    },
  );
  await assert.rejects(
    readLabelMap(await write("nolabel.csv", "id,name\n")),
    /no "label" column/,
  );
  await assert.rejects(
    readLabelMap(await write("x.txt", "")),
    /unknown extension "txt"/,
  );
});
