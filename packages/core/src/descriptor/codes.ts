/**
 * The issue codes of descriptor validation. The package README lists each
 * code with its meaning and remedy.
 */
export const DescriptorErrorCode = {
  /** The JSON does not have the descriptor format (keys, types, names). */
  format: 'NORD_ERR_INVALID_DESCRIPTOR',
  unknownLayerType: 'NORD_ERR_UNKNOWN_LAYER_TYPE',
  invalidParam: 'NORD_ERR_INVALID_PARAM',
  /** A connection, `input` or `output` names a layer that does not exist. */
  unknownLayer: 'NORD_ERR_UNKNOWN_LAYER',
  duplicateLayer: 'NORD_ERR_DUPLICATE_LAYER',
  topology: 'NORD_ERR_TOPOLOGY',
  shape: 'NORD_ERR_SHAPE',
  /** The input shape or the class count given to validation is invalid. */
  invalidOption: 'NORD_ERR_INVALID_OPTION',
  genotype: 'NORD_ERR_GENOTYPE',
} as const
