import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import { readdir, readFile, writeFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createIdxCurator } from '../src/curators.js'
import { DOWNLOADS } from '../src/datasets.js'
import { downloadDataset } from '../src/download.js'
import {
  DEBIAN_FASHION_MNIST,
  labelCounts,
  recordingLogger,
  temporaryDir,
} from './helpers.js'

/** The test server's response to a request for one file. */
type Behaviour = 'serve' | 'corrupt' | 'truncate' | 'drop' | 'missing'

const FILES = Object.keys(DOWNLOADS['fashion-mnist'].sha256)

/**
 * A file server on 127.0.0.1. `corrupt` flips one byte, `truncate` sends the
 * first half as a complete response, `drop` announces the full length and
 * closes the connection after half, and `missing` responds with 404.
 */
class FileServer {
  readonly requests: string[] = []
  behaviour: Behaviour = 'serve'
  private server: Server | undefined

  constructor(private readonly files: Map<string, Buffer>) {}

  async start(): Promise<string> {
    this.server = createServer((request, response) => {
      const name = (request.url ?? '').split('/').pop() ?? ''
      this.requests.push(name)
      const body = this.files.get(name)
      if (!body || this.behaviour === 'missing') {
        response.writeHead(404).end('not found')
        return
      }
      this.answer(body, response)
    })
    await new Promise<void>((resolve) =>
      this.server!.listen(0, '127.0.0.1', resolve),
    )
    const { port } = this.server.address() as AddressInfo
    return `http://127.0.0.1:${port}/fashion`
  }

  private answer(body: Buffer, response: import('node:http').ServerResponse) {
    const half = body.subarray(0, Math.floor(body.length / 2))
    if (this.behaviour === 'corrupt') {
      const copy = Buffer.from(body)
      copy[copy.length - 100]! ^= 0xff
      response.writeHead(200, { 'content-length': copy.length }).end(copy)
    } else if (this.behaviour === 'truncate') {
      response.writeHead(200, { 'content-length': half.length }).end(half)
    } else if (this.behaviour === 'drop') {
      response.writeHead(200, { 'content-length': body.length })
      response.write(half, () => response.destroy())
    } else {
      response.writeHead(200, { 'content-length': body.length }).end(body)
    }
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections()
    await new Promise((resolve) => this.server?.close(resolve))
  }
}

async function errorOf(
  action: () => Promise<unknown>,
): Promise<Error & { code: string; file?: string }> {
  try {
    await action()
  } catch (error) {
    return error as Error & { code: string }
  }
  throw new Error('expected an error, none was raised')
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex')
}

/** Files of the download folder whose names mark an unfinished download. */
async function partialFiles(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((name) => name.endsWith('.partial'))
}

/** Stand-ins for the four files, for tests that never verify successfully. */
function fakeFiles(): Map<string, Buffer> {
  return new Map(FILES.map((name) => [name, Buffer.alloc(5000, name.length)]))
}

describe('downloadDataset failures', () => {
  const server = new FileServer(fakeFiles())
  let baseUrl = ''
  beforeAll(async () => {
    baseUrl = await server.start()
  })
  afterAll(() => server.stop())

  it('deletes a file with the wrong digest', async () => {
    const dir = await temporaryDir()
    server.behaviour = 'serve'

    const error = await errorOf(() =>
      downloadDataset('fashion-mnist', { baseUrl, dir }),
    )

    const file = FILES[0]!
    const actual = sha256(Buffer.alloc(5000, file.length))
    expect(error.code).toBe('NORD_ERR_DATA_CHECKSUM')
    expect(error.message).toContain(file)
    expect(error.message).toContain(actual)
    expect(error.message).toContain(DOWNLOADS['fashion-mnist'].sha256[file]![0])
    expect(await readdir(dir)).toEqual([])
  })

  it('reports an HTTP error status', async () => {
    const dir = await temporaryDir()
    server.behaviour = 'missing'

    const error = await errorOf(() =>
      downloadDataset('fashion-mnist', { baseUrl, dir }),
    )

    expect(error.code).toBe('NORD_ERR_DATA_DOWNLOAD')
    expect(error.message).toContain('HTTP 404')
    expect(error.message).toContain(`${baseUrl}/${FILES[0]}`)
    expect(await readdir(dir)).toEqual([])
  })

  it('reports a refused connection', async () => {
    const dir = await temporaryDir()
    const closed = new FileServer(fakeFiles())
    const closedUrl = await closed.start()
    await closed.stop()

    const error = await errorOf(() =>
      downloadDataset('fashion-mnist', { baseUrl: closedUrl, dir }),
    )

    expect(error.code).toBe('NORD_ERR_DATA_DOWNLOAD')
    expect(error.message).toContain('the request failed')
  })

  it('rejects a dataset without downloads', async () => {
    const error = await errorOf(() =>
      downloadDataset('cifar10' as never, { baseUrl }),
    )

    expect(error.code).toBe('NORD_ERR_INVALID_OPTION')
    expect(error.message).toContain('name: must be one of fashion-mnist, mnist')
  })
})

const debianPresent = existsSync(DEBIAN_FASHION_MNIST)
if (!debianPresent) {
  console.warn(
    `skipping the download tests with real files: ${DEBIAN_FASHION_MNIST} is absent (apt-get install dataset-fashion-mnist)`,
  )
}

describe.skipIf(!debianPresent)('downloadDataset with real files', () => {
  const originals = new Map<string, Buffer>()
  const server = new FileServer(originals)
  let baseUrl = ''
  beforeAll(async () => {
    for (const name of FILES) {
      originals.set(name, await readFile(join(DEBIAN_FASHION_MNIST, name)))
    }
    baseUrl = await server.start()
  })
  afterAll(() => server.stop())

  it('downloads, verifies and loads the four files', async () => {
    const dir = await temporaryDir()
    server.behaviour = 'serve'
    const logger = recordingLogger()

    const result = await downloadDataset('fashion-mnist', {
      baseUrl,
      dir,
      logger,
    })
    const dataset = await createIdxCurator({
      name: 'fashion-mnist',
      seed: 1,
      dataDir: dir,
      testSize: 1000,
      logger,
    }).load()

    expect(result.files.map((file) => file.name)).toEqual(FILES)
    expect(result.files.every((file) => file.downloaded)).toBe(true)
    for (const file of result.files) {
      expect(sha256(await readFile(file.path))).toBe(file.sha256)
      const same = (await readFile(file.path)).equals(originals.get(file.name)!)
      expect(same).toBe(true)
    }
    expect(await partialFiles(dir)).toEqual([])
    expect(dataset.train.count).toBe(60_000)
    expect(labelCounts(dataset.test.labels)).toEqual(new Array(10).fill(100))
  }, 30_000)

  it('keeps verified files without fetching them', async () => {
    const dir = await temporaryDir()
    server.behaviour = 'serve'
    await downloadDataset('fashion-mnist', { baseUrl, dir })
    const before = server.requests.length

    const result = await downloadDataset('fashion-mnist', { baseUrl, dir })

    expect(server.requests.length).toBe(before)
    expect(result.files.some((file) => file.downloaded)).toBe(false)
  }, 30_000)

  it('replaces a present file with the wrong digest', async () => {
    const dir = await temporaryDir()
    server.behaviour = 'serve'
    await writeFile(join(dir, FILES[3]!), 'stale')
    const logger = recordingLogger()

    await downloadDataset('fashion-mnist', { baseUrl, dir, logger })

    const warnings = logger.entries.filter((entry) => entry.level === 'warn')
    const replaced = await readFile(join(dir, FILES[3]!))
    expect(replaced.equals(originals.get(FILES[3]!)!)).toBe(true)
    expect(warnings).toHaveLength(1)
    expect(warnings[0]!.message).toContain(FILES[3])
  }, 30_000)

  it('rejects and deletes a corrupted file', async () => {
    const dir = await temporaryDir()
    server.behaviour = 'corrupt'

    const error = await errorOf(() =>
      downloadDataset('fashion-mnist', { baseUrl, dir }),
    )

    expect(error.code).toBe('NORD_ERR_DATA_CHECKSUM')
    expect(error.message).toContain('train-images-idx3-ubyte.gz')
    expect(await readdir(dir)).toEqual([])
  }, 30_000)

  it('rejects and deletes a truncated file', async () => {
    const dir = await temporaryDir()
    server.behaviour = 'truncate'

    const error = await errorOf(() =>
      downloadDataset('fashion-mnist', { baseUrl, dir }),
    )

    const original = originals.get(FILES[0]!)!
    const half = original.subarray(0, Math.floor(original.length / 2))
    expect(error.code).toBe('NORD_ERR_DATA_CHECKSUM')
    expect(error.message).toContain(sha256(half))
    expect(await readdir(dir)).toEqual([])
  }, 30_000)

  it('deletes a download cut off mid-transfer', async () => {
    const dir = await temporaryDir()
    server.behaviour = 'drop'

    const error = await errorOf(() =>
      downloadDataset('fashion-mnist', { baseUrl, dir }),
    )

    expect(error.code).toBe('NORD_ERR_DATA_DOWNLOAD')
    expect(error.message).toContain('the connection failed after')
    expect(await readdir(dir)).toEqual([])
  }, 30_000)
})
