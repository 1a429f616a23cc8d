import { readFileSync } from 'node:fs';
import { createLiveScreening, type LiveScreening } from '../../screening/live-screening.ts';
import { readListText } from '../../screening/read-list.ts';
import { inProcessScreening, type ScreeningService } from '../../screening/screening-service.ts';

/** A LiveScreening with the repository's sample list (screening/lists/sample.ftm.ndjson) live as `sample` at `version`. */
export function sampleScreening(version = 1): LiveScreening {
  const text = readFileSync(new URL('../../screening/lists/sample.ftm.ndjson', import.meta.url), 'utf8');
  const list = readListText(text);
  if (!list.ok) throw new Error(`the sample list does not read: ${list.error.message}`);
  const live = createLiveScreening();
  live.install('sample', version, list.value.entities);
  return live;
}

/** The same behind the service the risk engine takes, matching on this thread. */
export function sampleScreeningService(version = 1): ScreeningService {
  return inProcessScreening(sampleScreening(version));
}
