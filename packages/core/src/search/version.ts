/**
 * The version of `@nord/core`, recorded in every journal's `run-start` event
 * and matched against each plugin's `core` range. A test keeps it equal to
 * the `version` field of the package's package.json.
 */
export const CORE_VERSION = '0.1.0'
