/** A domain error of the rating rules; `code` is stable, the message says what and why. */
export class RatingError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'RatingError';
  }
}
