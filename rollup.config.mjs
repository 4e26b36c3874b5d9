import { existsSync, readFileSync } from 'node:fs'
import typescript from '@rollup/plugin-typescript'
import { nodeResolve } from '@rollup/plugin-node-resolve'
import terser from '@rollup/plugin-terser'
import { dts } from 'rollup-plugin-dts'

// The ES builds keep idb-keyval and p-retry as imports (the app's bundler
// dedupes them); the script-tag build inlines everything.
const external = ['idb-keyval', 'p-retry', 'is-network-error']
const ts = (target) => typescript({ tsconfig: './tsconfig.json', noEmit: false, declaration: false, outDir: undefined, ...(target && { target }) })

/**
 * p-retry asks is-network-error whether a thrown TypeError is a network
 * failure. Ours never reach it: every failed fetch is rethrown as a
 * RetryableError (src/delivery/client.ts), and shouldRetry decides the rest. So the
 * script-tag build swaps in a stub (about 180 bytes less, gzipped).
 */
const noNetworkErrorSniffing = {
  name: 'no-network-error-sniffing',
  resolveId: (id) => (id === 'is-network-error' ? '\0is-network-error' : null),
  load: (id) => (id === '\0is-network-error' ? 'export default () => false' : null),
}

/**
 * error-stack-parser and stackframe are UMD files: CommonJS to Node, nothing a
 * plain ES bundle can import. Wrapped here as ES modules (a commonjs plugin
 * for two files would be one more dependency).
 */
const UMD_FILES = /[\\/]node_modules[\\/](error-stack-parser|stackframe)[\\/][^\\/]+\.js$/
const umdAsEsm = {
  name: 'umd-as-esm',
  transform(code, id) {
    const m = UMD_FILES.exec(id)
    if (!m) return null
    const needs = m[1] === 'error-stack-parser' ? "import stackframe from 'stackframe'\nconst require = () => stackframe\n" : ''
    return { code: `${needs}const module = { exports: {} }, exports = module.exports, define = undefined;\n${code.replace('}(this, function', '}(undefined, function')}\nexport default module.exports\n`, map: null }
  },
}

// `module`: the IIFE body is strict code already, so terser may treat it as a module's top level.
const terserOptions = {
  ecma: 2020,
  module: true,
  compress: { passes: 3, pure_getters: true, unsafe_arrows: true },
  format: { comments: false },
}

/**
 * The builds that carry the whole agent (script tag, browser module) also
 * shorten internal property names, as Preact does with its mangle.json: the
 * names and their short forms are pinned in `mangle.json`, so every build
 * names them the same. Only names listed there are touched; public API, wire
 * and stored-record names are never listed (other releases read them).
 */
const pinned = JSON.parse(readFileSync(new URL('./mangle.json', import.meta.url), 'utf8')).props.props
const coreTerserOptions = () => ({
  ...terserOptions,
  // `builtins`: some listed names (read, write, count, …) are also DOM names, which terser otherwise keeps; the agent never calls a DOM method of those names.
  mangle: { properties: { builtins: true, regex: new RegExp(`^(${Object.keys(pinned).map((name) => name.slice(1)).join('|')})$`) } },
  // A fresh copy per build: terser writes into its name cache.
  nameCache: { props: { props: { ...pinned } } },
})

const builds = [
  {
    input: 'src/index.ts',
    external,
    output: { file: 'dist/horn-logger.mjs', format: 'es', sourcemap: true },
    plugins: [ts()],
  },
  {
    input: 'src/script.ts',
    output: { file: 'dist/horn-logger.min.js', format: 'iife', sourcemap: true },
    // ES2021 keeps `??=` as written: the bundle needs no more than p-retry (`??=`, `Object.hasOwn`) already does.
    plugins: [noNetworkErrorSniffing, nodeResolve({ browser: true }), ts('ES2021'), terser(coreTerserOptions())],
  },
  // `horn-logger/browser`: the ES build with idb-keyval and p-retry inside, for a
  // plain <script type="module"> (no bundler resolves bare imports there).
  {
    input: 'src/index.ts',
    output: { file: 'dist/horn-logger.browser.mjs', format: 'es', sourcemap: true },
    plugins: [noNetworkErrorSniffing, nodeResolve({ browser: true }), ts('ES2021'), terser(coreTerserOptions())],
  },
  {
    input: 'src/index.ts',
    external,
    output: { file: 'dist/horn-logger.d.ts', format: 'es' },
    plugins: [dts()],
  },
]

// `horn-logger/api`: its own entry, so the script-tag agent does not grow by a byte.
if (existsSync('src/api/index.ts')) {
  builds.push(
    {
      input: 'src/api/index.ts',
      output: { file: 'dist/api.mjs', format: 'es', sourcemap: true },
      plugins: [ts()],
    },
    {
      input: 'src/api/index.ts',
      output: { file: 'dist/api.d.ts', format: 'es' },
      plugins: [dts()],
    },
  )
}

// `horn-logger/webrtc`: optional WebRTC diagnostics, an entry of its own (ES module,
// types, and a second script tag), so the core agent does not grow by a byte.
if (existsSync('src/webrtc/index.ts')) {
  builds.push(
    {
      input: 'src/webrtc/index.ts',
      output: { file: 'dist/webrtc.mjs', format: 'es', sourcemap: true },
      plugins: [ts()],
    },
    {
      input: 'src/webrtc/script.ts',
      output: { file: 'dist/horn-logger-webrtc.min.js', format: 'iife', sourcemap: true },
      plugins: [ts('ES2021'), terser(terserOptions)],
    },
    {
      input: 'src/webrtc/index.ts',
      output: { file: 'dist/webrtc.d.ts', format: 'es' },
      plugins: [dts()],
    },
  )
}

// The reading tools (Node only): `npx horn-logger` and the module the reference server's viewer uses.
// Their libraries are bundled in, so the package gains no runtime dependency.
if (existsSync('src/read/main.ts')) {
  const read = () => [umdAsEsm, nodeResolve({ preferBuiltins: true }), typescript({ tsconfig: './tsconfig.read.json', noEmit: false, declaration: false, outDir: undefined })]
  const external = (id) => id.startsWith('node:')
  // The bundled libraries' MIT notices travel with the files that carry them.
  const notices = `/*!
 * Bundled, under the MIT License:
 *   error-stack-parser, stackframe: Copyright (c) 2017 Eric Wendelin and other contributors
 *   @jridgewell/trace-mapping, @jridgewell/sourcemap-codec: Copyright 2024 Justin Ridgewell
 *   @jridgewell/resolve-uri: Copyright 2019 Justin Ridgewell
 */`
  builds.push(
    {
      input: 'src/read/main.ts',
      external,
      output: { file: 'dist/cli.mjs', format: 'es', banner: `#!/usr/bin/env node\n${notices}` },
      plugins: read(),
    },
    {
      input: 'src/read/index.ts',
      external,
      output: { file: 'dist/read.mjs', format: 'es', sourcemap: true, banner: notices },
      plugins: read(),
    },
    {
      input: 'src/read/index.ts',
      external,
      output: { file: 'dist/read.d.ts', format: 'es' },
      plugins: [dts({ tsconfig: './tsconfig.read.json' })],
    },
  )
}

export default builds
