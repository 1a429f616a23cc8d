import { readFileSync } from 'node:fs';
import { createLiveScreening, type LiveScreening } from '../../screening/live-screening.ts';
import { readListText } from '../../screening/read-list.ts';

/** A LiveScreening with the repository's sample list (screening/lists/sample.ftm.ndjson) live as `sample` at `version`. */
export function sampleScreening(version = 1): LiveScreening {
  const text = readFileSync(new URL('../../screening/lists/sample.ftm.ndjson', import.meta.url), 'utf8');
  const list = readListText(text);
  if (!list.ok) throw new Error(`the sample list does not read: ${list.error.message}`);
  const live = createLiveScreening();
  live.install('sample', version, list.value.entities);
  return live;
}
