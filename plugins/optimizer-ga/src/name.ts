/** The plugin name that logs, errors and run configurations use. */
export const OPTIMIZER_NAME = 'nord:optimizer-ga'
