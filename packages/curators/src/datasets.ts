/** The built-in datasets: file names, class names, folders and checksums. */

export type IdxDatasetName = 'fashion-mnist' | 'mnist'
export type DatasetName = IdxDatasetName | 'cifar10'

/** One file a dataset needs, under any of its accepted names. */
export interface RequiredFile {
  /** The role of the file, such as `trainImages`, used as a key in `files`. */
  key: string
  /** Accepted file names, the preferred first. */
  names: string[]
}

/** The files and folders of a dataset, as the lookup searches for them. */
export interface DatasetLayout {
  name: DatasetName
  files: RequiredFile[]
  /** Subfolders of a data folder that may contain the files. */
  subfolders: string[]
  /** Folders that system packages install the dataset into. */
  systemDirs: string[]
}

/** The source URL and expected digests of a dataset's download. */
export interface DownloadSpec {
  /** The default base URL; each file is fetched from `<baseUrl>/<file>`. */
  baseUrl: string
  /** Accepted SHA-256 digests (lowercase hex) of each file. */
  sha256: Record<string, string[]>
}

export const FASHION_MNIST_CLASS_NAMES = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
]

export const MNIST_CLASS_NAMES = Array.from({ length: 10 }, (_, digit) =>
  String(digit),
)

/** The IDX files of a dataset without their `.gz` suffix. */
export const IDX_FILES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
} as const

export type IdxFileKey = keyof typeof IDX_FILES

/** The batch files of CIFAR-10's binary version, training batches first. */
export const CIFAR10_FILES = [
  'data_batch_1.bin',
  'data_batch_2.bin',
  'data_batch_3.bin',
  'data_batch_4.bin',
  'data_batch_5.bin',
  'test_batch.bin',
]

/** The folder that the official `cifar-10-binary.tar.gz` extracts to. */
const CIFAR10_ARCHIVE_FOLDER = 'cifar-10-batches-bin'

/** IDX files may be gzip or raw, so both names are accepted. */
function idxFiles(keys: IdxFileKey[]): RequiredFile[] {
  return keys.map((key) => ({
    key,
    names: [`${IDX_FILES[key]}.gz`, IDX_FILES[key]],
  }))
}

const ALL_IDX_KEYS = Object.keys(IDX_FILES) as IdxFileKey[]

export const DATASET_LAYOUTS: Record<DatasetName, DatasetLayout> = {
  'fashion-mnist': {
    name: 'fashion-mnist',
    files: idxFiles(ALL_IDX_KEYS),
    subfolders: ['fashion-mnist'],
    systemDirs: ['/usr/share/datasets/fashion-mnist'],
  },
  mnist: {
    name: 'mnist',
    files: idxFiles(ALL_IDX_KEYS),
    subfolders: ['mnist'],
    systemDirs: ['/usr/share/datasets/mnist'],
  },
  cifar10: {
    name: 'cifar10',
    files: CIFAR10_FILES.map((name) => ({ key: name, names: [name] })),
    subfolders: [
      'cifar10',
      CIFAR10_ARCHIVE_FOLDER,
      `cifar10/${CIFAR10_ARCHIVE_FOLDER}`,
    ],
    systemDirs: [],
  },
}

/** The layout of the embedded Fashion-MNIST test split under `assets/`. */
export const EMBEDDED_FILES: RequiredFile[] = idxFiles([
  'testImages',
  'testLabels',
])

/**
 * Downloads of the IDX datasets. Fashion-MNIST accepts two digests per file:
 * the gzip files as the upstream repository serves them, and Debian's
 * `dataset-fashion-mnist` copies, which hold the same data but were
 * recompressed without the file name in the gzip header.
 */
export const DOWNLOADS: Record<IdxDatasetName, DownloadSpec> = {
  'fashion-mnist': {
    baseUrl:
      'https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion',
    // NOTE: the upstream digests are the ones that public Fashion-MNIST
    // loaders pin. They were not recomputed here, because this machine has
    // only the Debian copies, whose digests are the second entry of each list.
    sha256: {
      'train-images-idx3-ubyte.gz': [
        '3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84',
        'b0564c3eedabfbf835052cff8503ea422014ce006caf5b757f851416ee8300c7',
      ],
      'train-labels-idx1-ubyte.gz': [
        'a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845',
        '0ae29f65d86684f32d1b9c85147786c547b9c6aebcaf235f0400a0cce308b056',
      ],
      't10k-images-idx3-ubyte.gz': [
        '346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073',
        'cc1d090a38ace84dfa1aa66e3ada7c336ef481a96936906477e6dd344da56eaa',
      ],
      't10k-labels-idx1-ubyte.gz': [
        '67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5',
        '8d3605d196f4be44669e46906da9733c8131fef761fdbfec72c424d5222f1a05',
      ],
    },
  },
  mnist: {
    // The mirror that TensorFlow and Keras download MNIST from.
    baseUrl: 'https://storage.googleapis.com/cvdf-datasets/mnist',
    // NOTE: these digests are the ones that public MNIST loaders pin; no
    // MNIST copy was available here to recompute them.
    sha256: {
      'train-images-idx3-ubyte.gz': [
        '440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609',
      ],
      'train-labels-idx1-ubyte.gz': [
        '3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c',
      ],
      't10k-images-idx3-ubyte.gz': [
        '8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6',
      ],
      't10k-labels-idx1-ubyte.gz': [
        'f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6',
      ],
    },
  },
}
