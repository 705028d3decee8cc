/**
 * The failure a template function reports; the evaluator turns it into
 * `template: line L: executing <…>: error calling NAME: MESSAGE`.
 */
export class FuncError extends Error {
  override readonly name = 'FuncError';
}
