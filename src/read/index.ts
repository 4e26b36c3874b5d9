/**
 * The reading side's library (`dist/read.mjs`): log lines into their parts,
 * stacks into frames, frames mapped back through source maps. The reference
 * server's viewer uses it; it runs in Node only.
 *
 * @packageDocumentation
 */
export { createStackMapper } from './sourcemaps'
export type { MappedFrame, MappedStack, OriginalPosition, StackMapper, StackMapperOptions } from './sourcemaps'
export { findStacks, frameText, parseStack } from './stack'
export type { Frame, FoundStack } from './stack'
export { LEVELS, levelOf, lineFilter, parseLine, splitLines } from './line'
export type { LineLevel, ParsedLine } from './line'
