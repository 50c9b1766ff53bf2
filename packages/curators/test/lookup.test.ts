import { mkdir, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { NordDataError } from '../src/errors.js'
import {
  datasetCacheDir,
  EMBEDDED_DIR,
  type LocateOptions,
  locateDataset,
} from '../src/lookup.js'
import { recordingLogger, temporaryDir, writeIdxFolder } from './helpers.js'

/** Writes a small MNIST-like dataset into `dir`, creating it. */
async function dataset(dir: string): Promise<string> {
  await mkdir(dir, { recursive: true })
  await writeIdxFolder(dir, { train: 10, test: 10, gzip: true })
  return dir
}

/** Five folders, one for each place the lookup searches, all empty at first. */
async function places() {
  const root = await temporaryDir()
  const folders = {
    explicit: join(root, 'explicit'),
    env: join(root, 'env'),
    home: join(root, 'home'),
    xdg: join(root, 'xdg'),
    system: join(root, 'system'),
  }
  for (const dir of Object.values(folders))
    await mkdir(dir, { recursive: true })
  return folders
}

type Places = Awaited<ReturnType<typeof places>>

function options(
  folders: Places,
  extra: Partial<LocateOptions> = {},
): LocateOptions {
  return {
    env: { NORD_DATA_DIR: folders.env, XDG_CACHE_HOME: folders.xdg },
    homeDir: folders.home,
    systemDirs: [folders.system],
    allowEmbedded: false,
    ...extra,
  }
}

async function errorOf(action: () => Promise<unknown>): Promise<NordDataError> {
  try {
    await action()
  } catch (error) {
    return error as NordDataError
  }
  throw new Error('expected an error, none was raised')
}

describe('datasetCacheDir', () => {
  it('uses XDG_CACHE_HOME when it is absolute', () => {
    const dir = datasetCacheDir('mnist', {
      env: { XDG_CACHE_HOME: '/var/cache/me' },
      homeDir: '/home/me',
    })

    expect(dir).toBe('/var/cache/me/nord/datasets/mnist')
  })

  it('falls back to ~/.cache', () => {
    const dir = datasetCacheDir('mnist', { env: {}, homeDir: '/home/me' })

    expect(dir).toBe('/home/me/.cache/nord/datasets/mnist')
  })

  it('ignores a relative XDG_CACHE_HOME', () => {
    const dir = datasetCacheDir('mnist', {
      env: { XDG_CACHE_HOME: 'cache' },
      homeDir: '/home/me',
    })

    expect(dir).toBe('/home/me/.cache/nord/datasets/mnist')
  })
})

describe('locateDataset', () => {
  it('prefers dataDir over every other place', async () => {
    const folders = await places()
    for (const dir of [folders.explicit, folders.env, folders.system]) {
      await dataset(dir)
    }
    await dataset(join(folders.xdg, 'nord/datasets/mnist'))

    const location = await locateDataset(
      'mnist',
      options(folders, { dataDir: folders.explicit }),
    )

    expect(location.origin).toBe('dataDir')
    expect(location.dir).toBe(folders.explicit)
    expect(location.files.trainImages).toBe(
      join(folders.explicit, 'train-images-idx3-ubyte.gz'),
    )
  })

  it('prefers NORD_DATA_DIR over the cache', async () => {
    const folders = await places()
    await dataset(folders.env)
    await dataset(join(folders.xdg, 'nord/datasets/mnist'))

    const location = await locateDataset('mnist', options(folders))

    expect(location.origin).toBe('NORD_DATA_DIR')
    expect(location.dir).toBe(folders.env)
  })

  it('finds a subfolder of NORD_DATA_DIR named after the dataset', async () => {
    const folders = await places()
    await dataset(join(folders.env, 'fashion-mnist'))

    const location = await locateDataset('fashion-mnist', options(folders))

    expect(location.origin).toBe('NORD_DATA_DIR')
    expect(location.dir).toBe(join(folders.env, 'fashion-mnist'))
  })

  it('skips NORD_DATA_DIR without the files', async () => {
    const folders = await places()
    await dataset(join(folders.env, 'mnist'))
    await dataset(join(folders.xdg, 'nord/datasets/fashion-mnist'))

    const location = await locateDataset('fashion-mnist', options(folders))

    expect(location.origin).toBe('cache')
  })

  it('prefers the cache over system folders', async () => {
    const folders = await places()
    await dataset(join(folders.xdg, 'nord/datasets/mnist'))
    await dataset(folders.system)

    const location = await locateDataset('mnist', options(folders))

    expect(location.origin).toBe('cache')
    expect(location.dir).toBe(join(folders.xdg, 'nord/datasets/mnist'))
  })

  it('uses ~/.cache without XDG_CACHE_HOME', async () => {
    const folders = await places()
    await dataset(join(folders.home, '.cache/nord/datasets/mnist'))

    const location = await locateDataset('mnist', options(folders, { env: {} }))

    expect(location.origin).toBe('cache')
    expect(location.dir).toBe(join(folders.home, '.cache/nord/datasets/mnist'))
  })

  it('falls back to a system folder', async () => {
    const folders = await places()
    await dataset(folders.system)

    const location = await locateDataset('mnist', options(folders))

    expect(location.origin).toBe('system')
    expect(location.dir).toBe(folders.system)
  })

  it('falls back to the embedded copy for Fashion-MNIST', async () => {
    const folders = await places()

    const location = await locateDataset(
      'fashion-mnist',
      options(folders, { allowEmbedded: true }),
    )

    expect(location.origin).toBe('embedded')
    expect(location.embedded).toBe(true)
    expect(location.dir).toBe(EMBEDDED_DIR)
    expect(Object.keys(location.files)).toEqual(['testImages', 'testLabels'])
  })

  it('has no embedded copy of MNIST', async () => {
    const folders = await places()

    const error = await errorOf(() =>
      locateDataset('mnist', options(folders, { allowEmbedded: true })),
    )

    expect(error.code).toBe('NORD_ERR_DATA_NOT_FOUND')
    expect(error.message).toContain(folders.system)
    expect(error.message).toContain(
      'train-images-idx3-ubyte.gz or train-images-idx3-ubyte',
    )
  })

  it('does not fall back from a dataDir without the files', async () => {
    const folders = await places()
    await dataset(folders.env)

    const error = await errorOf(() =>
      locateDataset('mnist', options(folders, { dataDir: folders.explicit })),
    )

    expect(error.code).toBe('NORD_ERR_DATA_NOT_FOUND')
    expect(error.message).toContain(folders.explicit)
    expect(error.message).toContain(
      't10k-labels-idx1-ubyte.gz or t10k-labels-idx1-ubyte',
    )
  })

  it('names only the missing files of a partial dataDir', async () => {
    const folders = await places()
    await dataset(folders.explicit)
    await rm(join(folders.explicit, 't10k-labels-idx1-ubyte.gz'))

    const error = await errorOf(() =>
      locateDataset('mnist', options(folders, { dataDir: folders.explicit })),
    )

    expect(error.code).toBe('NORD_ERR_DATA_NOT_FOUND')
    expect(error.message).toContain('t10k-labels-idx1-ubyte')
    expect(error.message).not.toContain('train-images')
  })

  it('warns about and skips a partial folder', async () => {
    const folders = await places()
    await dataset(folders.env)
    await rm(join(folders.env, 'train-labels-idx1-ubyte.gz'))
    await dataset(folders.system)
    const logger = recordingLogger()

    const location = await locateDataset('mnist', options(folders, { logger }))

    const warnings = logger.entries.filter((entry) => entry.level === 'warn')
    expect(location.origin).toBe('system')
    expect(warnings).toHaveLength(1)
    expect(warnings[0]!.message).toContain(folders.env)
    expect(warnings[0]!.message).toContain('train-labels-idx1-ubyte')
  })

  it('accepts uncompressed file names', async () => {
    const folders = await places()
    await writeIdxFolder(folders.explicit, { train: 5, test: 5 })

    const location = await locateDataset(
      'mnist',
      options(folders, { dataDir: folders.explicit }),
    )

    expect(location.files.testLabels).toBe(
      join(folders.explicit, 't10k-labels-idx1-ubyte'),
    )
  })

  it('ignores a folder named like a file', async () => {
    const folders = await places()
    await dataset(folders.system)
    await dataset(folders.env)
    await rm(join(folders.env, 't10k-images-idx3-ubyte.gz'))
    await mkdir(join(folders.env, 't10k-images-idx3-ubyte.gz'))
    await writeFile(join(folders.env, 'unrelated.txt'), 'x')

    const location = await locateDataset('mnist', options(folders))

    expect(location.origin).toBe('system')
  })
})
