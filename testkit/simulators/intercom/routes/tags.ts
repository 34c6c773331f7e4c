import { Router } from 'express';
import { badParameter, IntercomApiError, missingParameter, resourceNotFound, userNotFound } from '../api-error';
import type { ContactRecord } from '../contacts';
import { workspaceOf, type SimulatorContext } from '../context';
import { buildContact, buildContactTag, type TagRef } from '../items';
import { apiVersion } from '../middleware';
import { renderAppliedTag, renderTag } from '../tags';
import type { Workspace } from '../workspace';
import { jsonBody } from './params';

/**
 * Intercom's tag endpoints (OpenAPI 2.14–2.16 `/tags`, `/tags/{id}`, `/contacts/{id}/tags[/{tag_id}]`;
 * 1.x "Tag or Untag Users, Companies & Leads"). `POST /tags` is several calls in one: create (by name,
 * returning the existing tag for a name that exists), rename (`{id, name}`), tag contacts in bulk
 * (`{name, users}`) and tag or untag companies (`{name, companies}`). The simulator keeps no companies,
 * so every company is one that does not exist.
 */

/** The message of Intercom's documented 400 for `POST /tags`. */
const INVALID_TAG_PARAMETERS = 'invalid tag parameters';

/** What a version documents for the bulk forms of `POST /tags`. */
interface BulkRules {
  /**
   * 1.x identifies users by `id`, `user_id` or `email` and untags with `untag: true` per user. 2.x documents
   * `users: [{id}]` only (untag exists for companies alone), so the simulator refuses the 1.x forms there
   * rather than let our client depend on something 2.x does not promise.
   */
  legacyUserForms: boolean;
  /**
   * From 2.16 (and Preview) users and companies that don't exist are skipped and the answer lists
   * `users`/`companies` as `{id, tagged}`; earlier versions answer 404 and change nothing.
   */
  skipsMissing: boolean;
}

function bulkRules(version: string): BulkRules {
  const match = /^(\d+)\.(\d+)$/.exec(version);
  // Preview (and its old name Unstable) is ahead of every numbered version.
  const [major, minor] = match ? [Number(match[1]), Number(match[2])] : [Infinity, Infinity];
  return { legacyUserForms: major === 1, skipsMissing: major > 2 || (major === 2 && minor >= 16) };
}

interface UserRef {
  by: 'id' | 'user_id' | 'email';
  value: string;
  untag: boolean;
}

export function tagRoutes(ctx: SimulatorContext): Router {
  const router = Router();

  const emitTagChange = (workspace: Workspace, contact: ContactRecord, tag: TagRef, change: 'created' | 'deleted') =>
    ctx.emitChange(
      workspace.appId,
      `contact.${contact.fields.role}.tag.${change}`,
      buildContactTag({ tag, contact: buildContact(contact.fields, 'iso'), createdAt: Math.floor(ctx.now() / 1000) }),
    );

  router.get('/tags', (_req, res) => {
    res.json({ type: 'list', data: workspaceOf(res).tags.list().map(renderTag) });
  });

  router.post('/tags', (req, res) => {
    const workspace = workspaceOf(res);
    const body = jsonBody(req);
    const name = tagName(body.name);
    const rules = bulkRules(apiVersion(req));
    if (body.users !== undefined && body.companies !== undefined) {
      throw badParameter('users and companies cannot be tagged in the same request', 'users');
    }

    if (body.users !== undefined) {
      const refs = parseUserRefs(body.users, rules);
      // Every user is looked up before anything changes, so a 404 leaves the workspace as it was.
      const found: { ref: UserRef; contact: ContactRecord }[] = [];
      for (const ref of refs) {
        const contact = findContact(workspace, ref);
        if (contact) found.push({ ref, contact });
        else if (!rules.skipsMissing) throw userNotFound();
      }
      const { tag } = workspace.tags.findOrCreate(name);
      const users = found.map(({ ref, contact }) => {
        if (ref.untag) {
          if (workspace.tags.remove(contact, tag)) emitTagChange(workspace, contact, tag, 'deleted');
        } else if (workspace.tags.apply(contact, tag).changed) {
          emitTagChange(workspace, contact, tag, 'created');
        }
        return { id: contact.fields.id, tagged: !ref.untag };
      });
      res.json(rules.skipsMissing ? { ...renderTag(tag), users, companies: [] } : renderTag(tag));
      return;
    }

    if (body.companies !== undefined) {
      const companies = parseCompanyRefs(body.companies);
      if (companies > 0 && !rules.skipsMissing) {
        throw new IntercomApiError(404, 'company_not_found', 'Company Not Found');
      }
      const { tag } = workspace.tags.findOrCreate(name);
      res.json(rules.skipsMissing ? { ...renderTag(tag), users: [], companies: [] } : renderTag(tag));
      return;
    }

    if (body.id !== undefined && body.id !== null) {
      const renamed = workspace.tags.rename(idString(body.id, 'id'), name);
      // Not documented; Intercom keeps names unique, so the simulator refuses a rename onto another tag's name.
      if (!renamed) throw badParameter(`A tag named ${JSON.stringify(name)} already exists`, 'name');
      res.json(renderTag(renamed));
      return;
    }

    res.json(renderTag(workspace.tags.findOrCreate(name).tag));
  });

  router.get('/tags/:id', (req, res) => {
    res.json(renderTag(workspaceOf(res).tags.get(req.params.id)));
  });

  /** 200 with no body. */
  router.delete('/tags/:id', (req, res) => {
    workspaceOf(res).tags.delete(req.params.id);
    res.status(200).end();
  });

  router.get('/contacts/:id/tags', (req, res) => {
    const workspace = workspaceOf(res);
    const contact = workspace.contacts.get(req.params.id);
    res.json({ type: 'list', data: contact.fields.tags.map((t) => renderAppliedTag(t, workspace.admin.id)) });
  });

  /** 404 "User Not Found" for the contact, then 404 "Resource Not Found" for the tag; tagging twice is a no-op. */
  router.post('/contacts/:id/tags', (req, res) => {
    const workspace = workspaceOf(res);
    const contact = workspace.contacts.get(req.params.id);
    const body = jsonBody(req);
    if (body.id === undefined || body.id === null) throw missingParameter('id is a required parameter', 'id');
    const tag = workspace.tags.get(idString(body.id, 'id'));
    const { applied, changed } = workspace.tags.apply(contact, tag);
    if (changed) emitTagChange(workspace, contact, tag, 'created');
    res.json(renderAppliedTag(applied, workspace.admin.id));
  });

  /**
   * Untagging a contact that does not carry the tag is not documented; the simulator answers it like an
   * unknown tag (404 "Resource Not Found"), so a client must treat that 404 as "already untagged".
   */
  router.delete('/contacts/:id/tags/:tagId', (req, res) => {
    const workspace = workspaceOf(res);
    const contact = workspace.contacts.get(req.params.id);
    const tag = workspace.tags.get(req.params.tagId);
    const removed = workspace.tags.remove(contact, tag);
    if (!removed) throw resourceNotFound();
    emitTagChange(workspace, contact, tag, 'deleted');
    res.json(renderAppliedTag(removed, workspace.admin.id));
  });

  return router;
}

function tagName(value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '') throw badParameter(INVALID_TAG_PARAMETERS, 'name');
  return value;
}

/** Ids are strings in the spec; its examples also send integers (`{"id": 81}`). */
function idString(value: unknown, field: string): string {
  if (typeof value === 'string' && value !== '') return value;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
  throw badParameter(`${field} must be a string`, field);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseUserRefs(raw: unknown, rules: BulkRules): UserRef[] {
  if (!Array.isArray(raw)) throw badParameter('users must be an array', 'users');
  return raw.map((entry: unknown, index) => {
    const field = `users[${index}]`;
    if (!isObject(entry)) throw badParameter(`${field} must be an object`, field);
    const legacyKeys = ['user_id', 'email', 'untag'].filter((key) => entry[key] !== undefined);
    if (!rules.legacyUserForms && legacyKeys.length > 0) {
      throw badParameter(
        `${field}: ${legacyKeys.join(', ')} is not part of Intercom API 2.x; users are tagged by id (untag one contact with DELETE /contacts/{id}/tags/{tag_id})`,
        field,
      );
    }
    const untag = entry.untag ?? false;
    if (typeof untag !== 'boolean') throw badParameter(`${field}.untag must be a boolean`, `${field}.untag`);
    if (entry.id !== undefined) return { by: 'id', value: idString(entry.id, `${field}.id`), untag };
    if (entry.user_id !== undefined)
      return { by: 'user_id', value: idString(entry.user_id, `${field}.user_id`), untag };
    if (typeof entry.email === 'string' && entry.email !== '') return { by: 'email', value: entry.email, untag };
    throw badParameter(
      rules.legacyUserForms ? `${field} needs an id, user_id or email` : `${field} needs an id`,
      `${field}.id`,
    );
  });
}

/** 2.x: Intercom ids for any contact; 1.x `user_id` and `email` find users only, as elsewhere in the API. */
function findContact(workspace: Workspace, ref: UserRef): ContactRecord | undefined {
  if (ref.by === 'id') return workspace.contacts.find(ref.value);
  if (ref.by === 'user_id') return workspace.contacts.findUserByExternalId(ref.value);
  return workspace.contacts.findUserByEmail(ref.value);
}

/** Checks the companies array (`{id}` or `{company_id}`, optional `untag`); returns how many it names. */
function parseCompanyRefs(raw: unknown): number {
  if (!Array.isArray(raw)) throw badParameter('companies must be an array', 'companies');
  raw.forEach((entry: unknown, index) => {
    const field = `companies[${index}]`;
    if (!isObject(entry) || (entry.id === undefined && entry.company_id === undefined)) {
      throw badParameter(`${field} needs an id or company_id`, field);
    }
    if (entry.untag !== undefined && typeof entry.untag !== 'boolean') {
      throw badParameter(`${field}.untag must be a boolean`, `${field}.untag`);
    }
  });
  return raw.length;
}
