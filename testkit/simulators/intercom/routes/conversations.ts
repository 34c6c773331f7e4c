import { Router } from 'express';
import { MAX_CONVERSATION_PARTS, type ConversationRecord } from '../conversations';
import { workspaceOf } from '../context';
import { buildConversation } from '../items';
import { compileQuery, paginate, parsePerPage, type FieldKind, type SearchField } from '../search';
import { jsonBody, queryString, searchPagination, searchSort } from './params';

const CONVERSATIONS_PER_PAGE = 20;

// Each object's searchable fields as Intercom documents them; alike in shape only to contactField.
function conversationField(name: string): SearchField<ConversationRecord> | undefined {
  const field = (kind: FieldKind, get: (r: ConversationRecord) => unknown) => ({ kind, get });
  switch (name) {
    case 'id':
      return field('string', (r) => r.fields.id);
    case 'created_at':
      return field('date', (r) => r.fields.createdAt);
    case 'updated_at':
      return field('date', (r) => r.fields.updatedAt);
    case 'state':
      return field('string', (r) => r.fields.state);
    case 'open':
      return field('boolean', (r) => r.fields.state !== 'closed');
    case 'read':
      return field('boolean', (r) => r.fields.read);
    case 'priority':
      return field('string', (r) => r.fields.priority);
    case 'admin_assignee_id':
      return field('number', (r) => r.fields.adminAssigneeId);
    case 'team_assignee_id':
      return field('number', (r) => r.fields.teamAssigneeId);
    case 'contact_ids':
      return field('id_list', (r) => r.fields.contacts.map((c) => c.id));
    case 'source.author.id':
      return field('string', (r) => r.fields.source.author.id);
    default:
      return undefined;
  }
}

const listBody = (result: ReturnType<typeof paginate<ConversationRecord>>) => ({
  type: 'conversation.list',
  conversations: result.data.map((r) => buildConversation(r.fields)),
  total_count: result.totalCount,
  pages: result.pages,
});

export function conversationRoutes(): Router {
  const router = Router();

  router.get('/conversations', (req, res) => {
    const result = paginate(
      workspaceOf(res).conversations.all(),
      { key: (r) => r.seq, seq: (r) => r.seq },
      {
        perPage: parsePerPage(queryString(req, 'per_page'), CONVERSATIONS_PER_PAGE),
        startingAfter: queryString(req, 'starting_after'),
      },
    );
    res.json(listBody(result));
  });

  router.post('/conversations/search', (req, res) => {
    const workspace = workspaceOf(res);
    const body = jsonBody(req);
    const matches = compileQuery(body.query, conversationField, workspace.timezone);
    const { perPageRaw, startingAfter } = searchPagination(body);
    const result = paginate(
      workspace.conversations.all().filter(matches),
      searchSort(body, conversationField, (r) => r.seq),
      { perPage: parsePerPage(perPageRaw, CONVERSATIONS_PER_PAGE), startingAfter },
    );
    res.json(listBody(result));
  });

  router.get('/conversations/:id', (req, res) => {
    const record = workspaceOf(res).conversations.get(req.params.id);
    res.json(buildConversation(record.fields, { newest: MAX_CONVERSATION_PARTS }));
  });

  return router;
}
