import { Global, Module } from '@nestjs/common';
import { PROJECTIONS, type Projection } from '@ledger/app/read-models/projection.js';
import { READ_MODEL_PROJECTIONS } from './read-model-projections.js';

/**
 * The event-fed read models as one list for the writer. It sits with AppModule, above the
 * contexts, because it names every context's projection while the writer (rating) stays below them.
 */
@Global()
@Module({
  providers: [
    ...READ_MODEL_PROJECTIONS,
    {
      provide: PROJECTIONS,
      inject: READ_MODEL_PROJECTIONS,
      useFactory: (...instances: Projection[]): Projection[] => instances,
    },
  ],
  exports: [PROJECTIONS],
})
export class ReadModelProjectionsModule {}
