import { loadReportData, REPORT_INPUTS } from "../../../lib/report/mod.ts";
import type { ReportData } from "../../../lib/report/mod.ts";

/** The fixture runs made by tests/testdata/plot/make_fixtures.ts. */
export type FixtureRun = "one_epoch" | "many_epochs";

/** The input directories of a fixture run, by input name (all five unless `only`). */
export function fixtureInputs(
  run: FixtureRun,
  only: readonly string[] = REPORT_INPUTS,
): Record<string, string> {
  const root = new URL(`../../testdata/plot/${run}/`, import.meta.url).pathname;
  return Object.fromEntries(only.map((input) => [input, `${root}${input}`]));
}

/** The report data of a fixture run. */
export function loadFixture(
  run: FixtureRun,
  only?: readonly string[],
): Promise<ReportData> {
  return loadReportData({ inputs: fixtureInputs(run, only), title: run });
}
