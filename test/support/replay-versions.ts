// The methodology change the replay tests play: version 2 of the Gansu scheme, digital government weighing
// 40 instead of 20 and the hotline 5 instead of 25 (enough to move ranks in the first weeks).
import { parseScheme, type Scheme } from '../../domain/scheme.ts';

export function reweighted(v1: Scheme): Scheme {
  return parseScheme(
    {
      ...v1,
      version: '2',
      topics: (v1.topics ?? []).map((t) =>
        t.id === 'digital_gov' ? { ...t, weight: 40 } : t.id === 'hotline' ? { ...t, weight: 5 } : t,
      ),
    },
    'v2',
  );
}
