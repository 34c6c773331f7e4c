import type { IntercomClient } from '../intercom/client';
import { CallFailedError } from '../outcomes';
import type { CohortRecord } from './record';
import { tagNameFor, type CohortSettings } from './settings';

/**
 * A cohort's Intercom tag, created once: `POST /tags` with the tag's name (which answers the existing tag for a
 * name Intercom already has, so a second creation is harmless), then remembered in the cohort record. One
 * delivery shares one creation per cohort among its users.
 */
export class CohortTags {
  private readonly creating = new Map<string, Promise<string>>();

  constructor(
    private readonly record: Pick<CohortRecord, 'tag' | 'saveTag' | 'forgetTag'>,
    private readonly intercom: Pick<IntercomClient, 'createTag'>,
    private readonly token: string,
    private readonly settings: Pick<CohortSettings, 'tagName'>,
  ) {}

  /** The tag id of a cohort, creating the tag when we have none. A failed creation throws CallFailedError. */
  ensure(cohortId: string, cohortName: string): Promise<string> {
    let tagId = this.creating.get(cohortId);
    if (!tagId) {
      tagId = this.find(cohortId, cohortName);
      tagId.catch(() => this.creating.delete(cohortId));
      this.creating.set(cohortId, tagId);
    }
    return tagId;
  }

  /** Intercom no longer has the tag (deleted in its UI): the next `ensure` creates it again. */
  async forget(cohortId: string): Promise<void> {
    this.creating.delete(cohortId);
    await this.record.forgetTag(cohortId);
  }

  private async find(cohortId: string, cohortName: string): Promise<string> {
    const known = await this.record.tag(cohortId);
    if (known) return known.tagId;
    const tagName = tagNameFor(this.settings, cohortName);
    const created = await this.intercom.createTag(this.token, tagName);
    if (!created.ok) throw new CallFailedError(created.failure);
    const saved = await this.record.saveTag({ cohortId, tagId: String(created.data.id), tagName: created.data.name });
    return saved.tagId;
  }
}
