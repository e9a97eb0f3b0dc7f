/**
 * The cache key of a stage run: a digest over everything that can change its
 * output, gathered as named facets so that `status` can say which one moved.
 * Pure: facets in, digest out.
 *
 * @module
 */
import { canonicalJson } from "./canonical_json.ts";
import { type Digest, digestBytes } from "./digest.ts";

/** Everything that determines a stage's output. */
export interface Facets {
  /** The stage's name in the pipeline (it seeds the stage's RNG). */
  stage: string;
  /** Normalised digest of each code file of the stage (module graph and stage host). */
  code: Record<string, Digest>;
  /** npm packages the code resolves: `name@version` → integrity. */
  npm: Record<string, string>;
  /** The params after the stage's schema applied defaults. */
  params: unknown;
  /** Artifact digest of each input, by input name. */
  inputs: Record<string, Digest>;
  /** Manifest digest of each data path, by path as the pipeline names it. */
  data: Record<string, Digest>;
  /** Facts the stage declares about this machine (library versions, backend). */
  facts: Record<string, string>;
  /** The stage's seed. */
  seed: number;
  /** Runtime facts that change results for every stage. */
  runtime: Record<string, string>;
}

/** Bumped when the meaning of a key changes, invalidating every cached run. */
const KEY_VERSION = 1;

/** The cache key of a stage run with these facets. */
export async function cacheKey(facets: Facets): Promise<Digest> {
  return await digestBytes(canonicalJson({ v: KEY_VERSION, ...facets }));
}

/** Runtime facts shared by every stage: the Deno version and the platform. */
export function runtimeFacts(): Record<string, string> {
  return {
    deno: Deno.version.deno,
    platform: `${Deno.build.os}-${Deno.build.arch}`,
  };
}
