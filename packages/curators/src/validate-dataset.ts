import { type Dataset, IssueList } from '@nord/core'

const CODE = 'NORD_ERR_INVALID_DATASET'

/**
 * Checks that a dataset built in memory is consistent: a positive
 * `[height, width, channels]` shape, a positive class count, and splits whose
 * arrays match their counts and whose labels are below `classes`. Raises a
 * `NordValidationError` (code `NORD_ERR_INVALID_DATASET`) listing every
 * problem.
 */
export function validateDataset(dataset: Dataset): void {
  const issues = new IssueList()
  if (typeof dataset !== 'object' || dataset === null) {
    issues.add('dataset', 'must be an object', CODE)
    issues.throwIfAny('the dataset')
    return
  }

  if (typeof dataset.name !== 'string' || dataset.name === '') {
    issues.add(
      'name',
      `must be a non-empty string, got ${String(dataset.name)}`,
      CODE,
    )
  }
  const shapeValid = checkShape(dataset.inputShape, issues)
  const classesValid = Number.isInteger(dataset.classes) && dataset.classes > 0
  if (!classesValid) {
    issues.add(
      'classes',
      `must be a positive integer, got ${String(dataset.classes)}`,
      CODE,
    )
  }
  checkClassNames(dataset, issues)

  const sampleSize = shapeValid
    ? dataset.inputShape.reduce((product, size) => product * size, 1)
    : undefined
  const classes = classesValid ? dataset.classes : undefined
  checkSplit('train', dataset.train, sampleSize, classes, issues)
  if (dataset.validation !== undefined) {
    checkSplit('validation', dataset.validation, sampleSize, classes, issues)
  }
  checkSplit('test', dataset.test, sampleSize, classes, issues)
  if (typeof dataset.source !== 'object' || dataset.source === null) {
    issues.add(
      'source',
      'must be an object describing where the data came from',
      CODE,
    )
  }
  issues.throwIfAny('the dataset')
}

function checkShape(shape: unknown, issues: IssueList): boolean {
  const valid =
    Array.isArray(shape) &&
    shape.length === 3 &&
    shape.every((size) => Number.isInteger(size) && size > 0)
  if (!valid) {
    issues.add(
      'inputShape',
      `must be [height, width, channels] of positive integers, got ${JSON.stringify(shape)}`,
      CODE,
    )
  }
  return valid
}

function checkClassNames(dataset: Dataset, issues: IssueList): void {
  const names = dataset.classNames
  if (names === undefined) return
  if (!Array.isArray(names) || names.length !== dataset.classes) {
    issues.add(
      'classNames',
      `must list ${dataset.classes} names, got ${Array.isArray(names) ? names.length : typeof names}`,
      CODE,
    )
  }
}

function checkSplit(
  path: string,
  split: unknown,
  sampleSize: number | undefined,
  classes: number | undefined,
  issues: IssueList,
): void {
  const record = split as Record<string, unknown> | null | undefined
  if (typeof record !== 'object' || record === null) {
    issues.add(path, 'must be a split with images, labels and count', CODE)
    return
  }

  const { images, labels, count } = record
  const countValid = Number.isInteger(count) && (count as number) >= 0
  if (!countValid) {
    issues.add(
      `${path}.count`,
      `must be a non-negative integer, got ${String(count)}`,
      CODE,
    )
  }
  if (!(images instanceof Float32Array)) {
    issues.add(`${path}.images`, 'must be a Float32Array', CODE)
  } else if (countValid && sampleSize !== undefined) {
    const expected = (count as number) * sampleSize
    if (images.length !== expected) {
      issues.add(
        `${path}.images`,
        `has ${images.length} values, expected count ${count} x ${sampleSize} values per image = ${expected}`,
        CODE,
      )
    }
  }
  if (!(labels instanceof Uint8Array)) {
    issues.add(`${path}.labels`, 'must be a Uint8Array', CODE)
    return
  }
  if (countValid && labels.length !== count) {
    issues.add(
      `${path}.labels`,
      `has ${labels.length} labels, expected ${count}`,
      CODE,
    )
  }
  const outOfRange =
    classes === undefined ? -1 : labels.findIndex((label) => label >= classes)
  if (outOfRange !== -1) {
    issues.add(
      `${path}.labels[${outOfRange}]`,
      `is ${labels[outOfRange]}, expected a class index below ${classes}`,
      CODE,
    )
  }
}
