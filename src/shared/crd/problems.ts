/**
 * What every semantic validator returns: all problems found, each with the field path it
 * concerns, plus the status text the operator writes (the first problem, in AMKO's words).
 */

/** One semantic problem. `path` is a field path such as `spec.trafficSplit[1].weight`. */
export interface Problem {
  readonly path: string;
  readonly message: string;
}

export interface ValidationResult {
  /** Every problem, in the order AMKO checks them; empty when the object is valid. */
  readonly problems: readonly Problem[];
  /** The status text to write: the success text, or the first problem's message. */
  readonly status: string;
}

/** Collects problems in check order. */
export class ProblemList {
  readonly #items: Problem[] = [];

  add(path: string, message: string): void {
    this.#items.push({ path, message });
  }

  /** Adds problems found elsewhere, each with its own path; `prefix` goes before each message. */
  addAll(found: readonly Problem[], prefix = ''): void {
    for (const f of found) this.add(f.path, `${prefix}${f.message}`);
  }

  get items(): readonly Problem[] {
    return this.#items;
  }

  /** The result with `successText` as status when no problem was found. */
  result(successText: string): ValidationResult {
    const first = this.#items[0];
    return { problems: [...this.#items], status: first ? first.message : successText };
  }
}
