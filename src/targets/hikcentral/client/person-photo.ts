import type { HikCentralClient } from './client';

/** The face HikCentral holds for the person (`personPhoto.picUri`), or null when it holds none. */
export async function hikCentralPhotoOf(client: HikCentralClient, ci: string): Promise<Buffer | null> {
  const person = await client.findPersonByCode(ci);
  const picUri = person?.personPhoto?.picUri;
  if (person === null || picUri === undefined || picUri === '') return null;
  return client.fetchPersonPhoto(person.personId, picUri);
}
