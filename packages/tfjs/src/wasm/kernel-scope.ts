import {
  getKernel,
  type KernelConfig,
  type KernelFunc,
  type NamedAttrMap,
  type NamedTensorInfoMap,
  type TensorInfo,
} from '@tensorflow/tfjs-core'

export const WASM = 'wasm'

export type Shape4D = [number, number, number, number]

export type KernelArgs = Parameters<KernelFunc>[0]

/** The part of the wasm backend that nord's kernels use. */
export interface WasmBackend {
  disposeData(dataId: object, force?: boolean): boolean
  makeOutput(shape: number[], dtype: 'float32'): TensorInfo
  /** A view into wasm memory, invalid once the memory grows. */
  typedArrayFromHeap(info: TensorInfo): Float32Array
}

/**
 * Runs other wasm kernels directly, outside the engine's bookkeeping, and
 * frees their intermediate results when disposed.
 */
export class KernelScope {
  private readonly intermediates = new Set<TensorInfo>()

  constructor(readonly backend: WasmBackend) {}

  /** Runs a kernel whose output is freed by `release` or `dispose`. */
  run(name: string, inputs: NamedTensorInfoMap, attrs: NamedAttrMap) {
    const output = this.result(name, inputs, attrs)
    this.intermediates.add(output)
    return output
  }

  /** Runs a kernel whose output the caller keeps. */
  result(name: string, inputs: NamedTensorInfoMap, attrs: NamedAttrMap) {
    const kernel = getKernel(name, WASM) as KernelConfig | undefined
    if (!kernel) throw new Error(`the wasm backend has no '${name}' kernel`)
    const backend = this.backend
    return kernel.kernelFunc({ inputs, attrs, backend }) as TensorInfo
  }

  /** Frees one intermediate result early, to bound memory inside a loop. */
  release(info: TensorInfo): void {
    if (this.intermediates.delete(info)) this.backend.disposeData(info.dataId)
  }

  dispose(): void {
    for (const info of this.intermediates) {
      this.backend.disposeData(info.dataId)
    }
    this.intermediates.clear()
  }
}
