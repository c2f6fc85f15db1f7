/**
 * How every test and benchmark launches Debian's Chromium: headless as root, no outside network
 * (the background-networking flags stop connection attempts this machine would refuse), WebGPU
 * exposed (SwiftShader where no GPU exists). CHROMIUM_PATH overrides the binary.
 */
export const chromiumArgs = [
  '--no-sandbox',
  '--enable-unsafe-webgpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  // Vulkan on SwiftShader for WebGPU and ANGLE: without them headless Chromium cannot make a WebGPU
  // canvas's swap-chain texture, and the first getCurrentTexture() loses every WebGPU device.
  '--use-angle=swiftshader',
  '--enable-features=Vulkan',
  '--use-vulkan=swiftshader',
];
export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** The same flags without WebGPU, for the fallback path. */
export const chromiumArgsWithoutWebGpu = chromiumArgs.filter((a) => a !== '--enable-unsafe-webgpu');
