/**
 * The message template's face inside the package: compile once per write, render once per row. Mustache
 * syntax; the rules that differ from mustache's (text, not HTML; strict placeholders; rows are data) are
 * the renderer's.
 */
export {
  type CompiledTemplate,
  type CompileErrorCode,
  type CompileResult,
  compileTemplate,
  MAX_SECTION_DEPTH,
} from './compile.js';
export { MAX_RENDER_STEPS, MAX_RENDERED_LENGTH, type RenderResult } from './render.js';
