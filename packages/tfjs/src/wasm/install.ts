/**
 * Gradient kernels that nord registers for the wasm backend of TensorFlow.js
 * 4.22.0, so that training there is correct and fast:
 *
 * - `Conv2DBackpropFilter` is not registered for wasm in 4.22.0, so no
 *   convolution can be trained there without it.
 * - The registered `Conv2DBackpropInput` is a naive loop, about 6 times slower
 *   than the forward convolution.
 * - The registered `MaxPoolGrad` sends the gradient of a window whose values
 *   are all negative to the window's first element instead of its maximum.
 *
 * The convolution kernels are compositions of the backend's own fast
 * kernels; the max-pooling gradient is computed in JavaScript.
 */
import {
  Conv2DBackpropFilter,
  Conv2DBackpropInput,
  getKernel,
  type KernelConfig,
  MaxPoolGrad,
  registerKernel,
  unregisterKernel,
} from '@tensorflow/tfjs-core'
import { conv2dBackpropFilter, conv2dBackpropInput } from './conv2d-backprop.js'
import { WASM } from './kernel-scope.js'
import { maxPoolGrad } from './max-pool-grad.js'

/** Marks the kernel configs registered here, so installing twice is a no-op. */
const NORD_KERNEL = Symbol.for('nord.tfjs.wasmKernel')

const REPLACED = [Conv2DBackpropInput, Conv2DBackpropFilter, MaxPoolGrad]

/**
 * Registers nord's wasm gradient kernels, once per process. Importing
 * `@nord/tfjs` calls it. Call it before the wasm backend initialises if you
 * import it otherwise: the channels-first fallback to the original
 * `Conv2DBackpropInput` needs the original's setup function, which the engine
 * runs when the backend starts.
 */
export function installWasmKernels(): void {
  const input = findWasmKernel(Conv2DBackpropInput)
  if (input && !isNordKernel(input)) {
    const config: KernelConfig = {
      kernelName: Conv2DBackpropInput,
      backendName: WASM,
      kernelFunc: conv2dBackpropInput(input),
    }
    if (input.setupFunc) config.setupFunc = input.setupFunc
    if (input.disposeFunc) config.disposeFunc = input.disposeFunc
    replaceKernel(config)
  }

  const filter = findWasmKernel(Conv2DBackpropFilter)
  if (!filter) {
    replaceKernel({
      kernelName: Conv2DBackpropFilter,
      backendName: WASM,
      kernelFunc: conv2dBackpropFilter,
    })
  }

  const pooling = findWasmKernel(MaxPoolGrad)
  if (pooling && !isNordKernel(pooling)) {
    replaceKernel({
      kernelName: MaxPoolGrad,
      backendName: WASM,
      kernelFunc: maxPoolGrad,
    })
  }
}

/** True when every wasm kernel that nord replaces or adds is nord's. */
export function wasmKernelsInstalled(): boolean {
  return REPLACED.every((name) => isNordKernel(findWasmKernel(name)))
}

function replaceKernel(config: KernelConfig): void {
  if (findWasmKernel(config.kernelName)) {
    unregisterKernel(config.kernelName, WASM)
  }
  Object.defineProperty(config, NORD_KERNEL, { value: true })
  registerKernel(config)
}

function findWasmKernel(name: string): KernelConfig | undefined {
  return getKernel(name, WASM) as KernelConfig | undefined
}

function isNordKernel(config: KernelConfig | undefined): boolean {
  return (
    config !== undefined &&
    (config as unknown as Record<symbol, unknown>)[NORD_KERNEL] === true
  )
}
