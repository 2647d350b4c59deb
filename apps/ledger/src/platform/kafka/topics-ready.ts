import { Injectable } from '@nestjs/common';

/** Settles once the service's topics exist: the consumer creates them, the rated-message relay waits. */
@Injectable()
export class TopicsReady {
  private settle!: () => void;
  readonly ready = new Promise<void>((resolve) => (this.settle = resolve));

  markReady(): void {
    this.settle();
  }
}
