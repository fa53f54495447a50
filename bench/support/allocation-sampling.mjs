// Preloaded into the project by `CEILING_HEAP_PROFILE=1 npm run bench:ceiling` (node --import): the
// first SIGUSR2 starts V8's allocation sampling, the next writes what was allocated in between, freed
// or not, to $ALLOCATION_PROFILE as a .heapprofile (Chrome DevTools reads it; so does
// bench/support/allocation-summary.mjs).
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';

const session = new Session();
session.connect();
let sampling = false;
process.on('SIGUSR2', () => {
  sampling = !sampling;
  if (sampling) {
    session.post('HeapProfiler.startSampling', {
      samplingInterval: 256,
      includeObjectsCollectedByMajorGC: true,
      // ALLOCATION_SURVIVORS=1: only what outlived the young generation (promoted, or still there).
      includeObjectsCollectedByMinorGC: !process.env.ALLOCATION_SURVIVORS,
    });
    return;
  }
  session.post('HeapProfiler.stopSampling', (error, result) => {
    if (!error) writeFileSync(process.env.ALLOCATION_PROFILE, JSON.stringify(result.profile));
  });
});
