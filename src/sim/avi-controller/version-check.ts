/** The optional strict check of `X-Avi-Version` (avi-rest-api.md §2.5). Pure. */
import { compareVersions } from './validate.js';

/** The 400 text for a request version higher than the controller's, when strict; else undefined. */
export function versionProblem(
  opts: { strictVersion: boolean; version: string },
  requested: string | undefined,
): string | undefined {
  if (!opts.strictVersion || requested === undefined || requested === '') return undefined;
  return compareVersions(requested, opts.version) > 0
    ? `Invalid version ${requested}: higher than controller version ${opts.version}`
    : undefined;
}
