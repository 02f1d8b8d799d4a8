/**
 * Reads a cachegrind output file (`--cache-sim=no`: one count, Ir, per line of code) for the bench's
 * instruction counts: the total, and the part spent in V8's optimizing compilers. Counting needs
 * `--single-threaded`, which runs those compilers on the main thread; in a normal run they work on
 * background threads while the scan goes on, so the bench gives the report's cost with and without them.
 */

/** Functions of V8's optimizing compilers (TurboFan and its pipeline, Maglev, Turboshaft). */
const COMPILER = /v8::internal::(compiler|maglev|turboshaft)::/;

export interface InstructionCount {
  total: number;
  /** in V8's optimizing compilers */
  compiler: number;
}

export function readCachegrind(text: string): InstructionCount {
  let total = 0;
  let compiler = 0;
  let inCompiler = false;
  let summary: number | undefined;
  for (const line of text.split('\n')) {
    const c = line.charCodeAt(0);
    if (c >= 0x30 && c <= 0x39) {
      // "<line> <Ir>"
      const sp = line.indexOf(' ');
      const n = Number(line.slice(sp + 1));
      total += n;
      if (inCompiler) compiler += n;
    } else if (line.startsWith('fn=')) inCompiler = COMPILER.test(line);
    else if (line.startsWith('summary:')) summary = Number(line.slice(8));
  }
  // the file's own total is the reference; the sum of its lines must agree with it
  if (summary !== undefined && summary !== total) throw new Error(`cachegrind file: lines sum to ${total}, summary says ${summary}`);
  return { total, compiler };
}
