import { NordError, type NordErrorOptions } from '@nord/core'

/** The error codes this package raises, each listed in the README. */
export const DataErrorCode = {
  /** A data file is missing, or no folder contains the dataset. */
  notFound: 'NORD_ERR_DATA_NOT_FOUND',
  /** A file is not in the expected format (magic number, dtype, labels). */
  format: 'NORD_ERR_DATA_FORMAT',
  /** A file is shorter than its header or its record size implies. */
  truncated: 'NORD_ERR_DATA_TRUNCATED',
  /** Two files that belong together disagree, such as image and label counts. */
  mismatch: 'NORD_ERR_DATA_MISMATCH',
  /** A downloaded file does not have the expected SHA-256 digest. */
  checksum: 'NORD_ERR_DATA_CHECKSUM',
  /** A download failed (HTTP status, connection, file system). */
  download: 'NORD_ERR_DATA_DOWNLOAD',
  /** A subset or a validation split requests more samples than the split has. */
  subsetSize: 'NORD_ERR_DATA_SUBSET_SIZE',
  /** `shard` received a rank or world size out of range. */
  shard: 'NORD_ERR_SHARD_INVALID',
} as const

export type DataErrorCode = (typeof DataErrorCode)[keyof typeof DataErrorCode]

export interface NordDataErrorOptions extends NordErrorOptions {
  /** The file at fault, when there is one. */
  file?: string
}

/** An error about dataset files, subsets or shards. */
export class NordDataError extends NordError {
  /** The file at fault, when there is one. */
  readonly file: string | undefined

  constructor(
    code: DataErrorCode,
    message: string,
    options: NordDataErrorOptions = {},
  ) {
    super(code, message, options)
    this.name = 'NordDataError'
    this.file = options.file
  }
}
