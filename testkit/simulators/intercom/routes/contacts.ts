import { Router } from 'express';
import type { ContactRecord } from '../contacts';
import type { SimulatorContext } from '../context';
import { workspaceOf } from '../context';
import { userNotFound } from '../api-error';
import { buildContact, buildContactStateItem } from '../items';
import { compileQuery, paginate, parsePerPage, type FieldKind, type SearchField } from '../search';
import type { Workspace } from '../workspace';
import { jsonBody, queryString, searchPagination, searchSort } from './params';

const CONTACTS_PER_PAGE = 50;

const render = (record: ContactRecord) => buildContact(record.fields);

function contactField(workspace: Workspace, name: string): SearchField<ContactRecord> | undefined {
  const field = (kind: FieldKind, get: (r: ContactRecord) => unknown) => ({ kind, get });
  switch (name) {
    case 'id':
      return field('string', (r) => r.fields.id);
    case 'external_id':
      return field('string', (r) => r.fields.externalId);
    case 'email':
      return field('email', (r) => r.fields.email);
    case 'role':
      return field('string', (r) => r.fields.role);
    case 'name':
      return field('string', (r) => r.fields.name);
    case 'phone':
      return field('string', (r) => r.fields.phone);
    case 'created_at':
      return field('date', (r) => r.fields.createdAt);
    case 'updated_at':
      return field('date', (r) => r.fields.updatedAt);
    case 'signed_up_at':
      return field('date', (r) => r.fields.signedUpAt);
    case 'last_seen_at':
      return field('date', (r) => r.fields.lastSeenAt);
    case 'tag_id':
      return field('membership', (r) => r.fields.tags.map((t) => t.id));
  }
  const custom = name.startsWith('custom_attributes.')
    ? workspace.attributes.custom(name.slice('custom_attributes.'.length))
    : undefined;
  if (!custom) return undefined;
  const kinds: Record<string, FieldKind> = {
    date: 'date',
    datetime: 'date',
    integer: 'number',
    float: 'number',
    boolean: 'boolean',
  };
  return field(kinds[custom.dataType] ?? 'string', (r) => r.fields.customAttributes[custom.name] ?? null);
}

export function contactRoutes(ctx: SimulatorContext): Router {
  const router = Router();
  const topic = (record: ContactRecord, change: string) => `contact.${record.fields.role}.${change}`;

  router.post('/contacts', (req, res) => {
    const workspace = workspaceOf(res);
    const record = workspace.contacts.create(req.body);
    ctx.emitChange(workspace.appId, topic(record, 'created'), buildContact(record.fields, 'iso'));
    res.json(render(record));
  });

  router.get('/contacts', (req, res) => {
    const result = paginate(
      workspaceOf(res).contacts.visible(),
      { key: (r) => r.seq, seq: (r) => r.seq },
      {
        perPage: parsePerPage(queryString(req, 'per_page'), CONTACTS_PER_PAGE),
        startingAfter: queryString(req, 'starting_after'),
      },
    );
    res.json({ type: 'list', data: result.data.map(render), total_count: result.totalCount, pages: result.pages });
  });

  router.post('/contacts/search', (req, res) => {
    const workspace = workspaceOf(res);
    const body = jsonBody(req);
    const resolve = (name: string) => contactField(workspace, name);
    const matches = compileQuery(body.query, resolve, workspace.timezone);
    const { perPageRaw, startingAfter } = searchPagination(body);
    const result = paginate(
      workspace.contacts.searchable().filter(matches),
      searchSort(body, resolve, (r) => r.seq),
      { perPage: parsePerPage(perPageRaw, CONTACTS_PER_PAGE), startingAfter },
    );
    res.json({ type: 'list', data: result.data.map(render), total_count: result.totalCount, pages: result.pages });
  });

  router.get('/contacts/find_by_external_id/:externalId', (req, res) => {
    const record = workspaceOf(res).contacts.findUserByExternalId(req.params.externalId);
    if (!record) throw userNotFound();
    res.json(render(record));
  });

  router.get('/contacts/:id', (req, res) => {
    res.json(render(workspaceOf(res).contacts.get(req.params.id)));
  });

  router.put('/contacts/:id', (req, res) => {
    const workspace = workspaceOf(res);
    const record = workspace.contacts.update(req.params.id, req.body);
    ctx.emitChange(workspace.appId, topic(record, 'updated'), buildContact(record.fields, 'iso'));
    res.json(render(record));
  });

  router.delete('/contacts/:id', (req, res) => {
    const workspace = workspaceOf(res);
    const { fields } = workspace.contacts.delete(req.params.id);
    const item = buildContactStateItem(fields, 'deleted');
    ctx.emitChange(workspace.appId, 'contact.deleted', item);
    res.json(item);
  });

  router.post('/contacts/:id/archive', (req, res) => {
    const workspace = workspaceOf(res);
    const { fields } = workspace.contacts.setArchived(req.params.id, true);
    const item = buildContactStateItem(fields, 'archived');
    ctx.emitChange(workspace.appId, 'contact.archived', item);
    res.json(item);
  });

  router.post('/contacts/:id/unarchive', (req, res) => {
    const workspace = workspaceOf(res);
    const record = workspace.contacts.setArchived(req.params.id, false);
    ctx.emitChange(workspace.appId, 'contact.unarchived', buildContact(record.fields, 'iso'));
    res.json({ id: record.fields.id, external_id: record.fields.externalId, type: 'contact', archived: false });
  });

  return router;
}
