import { resourceNotFound } from './api-error';
import { conversationFields, type ConversationFields, type ConversationInput } from './items';

export interface ConversationRecord {
  fields: ConversationFields;
  seq: number;
}

/** Intercom returns at most this many parts (the most recent) from `GET /conversations/{id}`. */
export const MAX_CONVERSATION_PARTS = 500;

/**
 * Conversations of one workspace; only seeded by tests, read by the backfill endpoints. Alike in shape to
 * ContactStore (a map and a counter), but it follows none of its write rules: kept apart.
 */
export class ConversationStore {
  private readonly records = new Map<string, ConversationRecord>();
  private seq = 0;

  constructor(private readonly workspaceId: string) {}

  all(): ConversationRecord[] {
    return [...this.records.values()];
  }

  get(id: string): ConversationRecord {
    const record = this.records.get(id);
    if (!record) throw resourceNotFound();
    return record;
  }

  seed(input: Omit<ConversationInput, 'workspaceId'>): ConversationRecord {
    const fields = conversationFields({ ...input, workspaceId: this.workspaceId });
    const record: ConversationRecord = { fields, seq: ++this.seq };
    this.records.set(fields.id, record);
    return record;
  }
}
