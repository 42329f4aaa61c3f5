/**
 * A runtime failure with the HTTP status the agent should answer with (404 missing container or
 * image, 409 runtime cannot do what was asked, 500 engine failure) and a detail safe to show.
 */
export class RuntimeError extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
  ) {
    super(detail);
    this.name = 'RuntimeError';
  }
}
