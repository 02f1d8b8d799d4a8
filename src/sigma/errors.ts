/**
 * Diagnostics of the rule language. Every problem a rule author can cause is
 * reported with the file and, when the text is known, the 1-based line and
 * column, so an editor can jump to it. Nothing is dropped silently: a document
 * with an error is left out of the result and the error says why.
 */

export interface SigmaError {
  file: string;
  line?: number;
  column?: number;
  message: string;
}

/** A place in a YAML text; `line` 0 means "not known" (documents built from plain data). */
export interface Pos {
  line: number;
  col: number;
}

/** `file:line:col: message`, leaving out the parts that are not known. */
export function formatSigmaError(e: SigmaError): string {
  let at = e.file;
  if (e.line !== undefined) {
    at += `:${e.line}`;
    if (e.column !== undefined) at += `:${e.column}`;
  }
  return `${at}: ${e.message}`;
}

/**
 * Thrown deep inside compilation and caught per detection item, so one bad
 * item does not hide the errors of its siblings.
 */
export class SigmaCompileError extends Error {
  constructor(
    message: string,
    readonly pos?: Pos,
  ) {
    super(message);
    this.name = 'SigmaCompileError';
  }
}

/** Collects the errors of one file. */
export class Diagnostics {
  readonly errors: SigmaError[] = [];

  constructor(readonly file: string) {}

  error(message: string, pos?: Pos): void {
    const e: SigmaError = { file: this.file, message };
    if (pos && pos.line > 0) {
      e.line = pos.line;
      if (pos.col > 0) e.column = pos.col;
    }
    this.errors.push(e);
  }

  /** Runs `fn`, turning a thrown SigmaCompileError into a collected error. */
  guard<T>(fn: () => T): T | undefined {
    try {
      return fn();
    } catch (err) {
      if (err instanceof SigmaCompileError) {
        this.error(err.message, err.pos);
        return undefined;
      }
      throw err;
    }
  }

  get count(): number {
    return this.errors.length;
  }
}

/** Moves a position `n` columns to the right (for pointing inside a one-line scalar). */
export function shift(pos: Pos | undefined, n: number): Pos | undefined {
  if (!pos || pos.line === 0) return pos;
  return { line: pos.line, col: pos.col + n };
}
