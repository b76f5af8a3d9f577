// Where bulletins live: the bucket (named to the functions by BULLETIN_BUCKET) and each object's key, for the
// bulletin function that writes them, the query API that lists them and the infrastructure that grants both.
import type { BulletinKind } from '../../domain/bulletin.ts';

export const BULLETIN_BUCKET_ENV = 'BULLETIN_BUCKET';

/** Every bulletin's key starts with this. */
export const BULLETIN_PREFIX = 'bulletins/';

/** The object key of a scheme's bulletin: `bulletins/<scheme>/<period>-<kind>.html`. */
export const bulletinKey = (scheme: string, period: string, kind: BulletinKind) =>
  `${BULLETIN_PREFIX}${scheme}/${period}-${kind}.html`;
