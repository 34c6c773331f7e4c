import { Router } from 'express';
import { badParameter, missingParameter, userNotFound } from '../api-error';
import type { SimulatorContext } from '../context';
import { workspaceOf } from '../context';
import type { StoredEvent } from '../events';
import { buildEventItem, isoTimestamp } from '../items';
import { paginate, parsePerPage } from '../search';
import { queryString } from './params';

const EVENTS_PER_PAGE = 50;

const render = (e: StoredEvent) =>
  buildEventItem({
    id: e.id,
    eventName: e.eventName,
    createdAt: e.createdAt,
    intercomUserId: e.contactId,
    userId: e.externalId,
    email: e.email,
    metadata: e.metadata,
  });

export function eventRoutes(ctx: SimulatorContext): Router {
  const router = Router();

  /** 202 with an empty body, for new and duplicate events alike. */
  router.post('/events', (req, res) => {
    const workspace = workspaceOf(res);
    const event = workspace.events.submit(req.body);
    if (event) ctx.emitChange(workspace.appId, 'event.created', render(event));
    res.status(202).end();
  });

  /** One contact's events of the last 90 days, newest first; `summary=true` gives per-name counts. */
  router.get('/events', (req, res) => {
    const workspace = workspaceOf(res);
    if (queryString(req, 'type') !== 'user') throw badParameter("type must be 'user'", 'type');
    const intercomUserId = queryString(req, 'intercom_user_id');
    const userId = queryString(req, 'user_id');
    const email = queryString(req, 'email');
    if (!intercomUserId && !userId && !email)
      throw missingParameter('One of user_id, email or intercom_user_id is required', 'user_id');
    const contact = intercomUserId
      ? workspace.contacts.visible().find((r) => r.fields.id === intercomUserId)
      : userId
        ? workspace.contacts.findUserByExternalId(userId)
        : workspace.contacts.findUserByEmail(email ?? '');
    if (!contact) throw userNotFound();

    const events = workspace.events.recentFor(contact.fields.id);
    const head = {
      type: 'event.summary',
      email: contact.fields.email,
      intercom_user_id: contact.fields.id,
      user_id: contact.fields.externalId,
    };
    if (queryString(req, 'summary') === 'true') {
      res.json({ ...head, events: summarise(events) });
      return;
    }
    const perPage = parsePerPage(queryString(req, 'per_page'), EVENTS_PER_PAGE);
    const result = paginate(
      events,
      { key: (e) => e.createdAt, seq: (e) => e.seq, descending: true },
      { perPage, startingAfter: queryString(req, 'starting_after') },
    );
    const pages: { type: 'pages'; next?: string } = { type: 'pages' };
    if (result.pages.next) {
      const next = new URLSearchParams({
        type: 'user',
        intercom_user_id: contact.fields.id,
        per_page: String(perPage),
        starting_after: result.pages.next.starting_after,
      });
      pages.next = `${req.protocol}://${req.get('host')}/events?${next.toString()}`;
    }
    res.json({ ...head, events: result.data.map(render), pages });
  });

  return router;
}

function summarise(events: StoredEvent[]) {
  const byName = new Map<string, { first: number; last: number; count: number }>();
  for (const e of events) {
    const s = byName.get(e.eventName);
    if (!s) byName.set(e.eventName, { first: e.createdAt, last: e.createdAt, count: 1 });
    else {
      s.first = Math.min(s.first, e.createdAt);
      s.last = Math.max(s.last, e.createdAt);
      s.count += 1;
    }
  }
  return [...byName].map(([name, s]) => ({
    name,
    first: isoTimestamp(s.first),
    last: isoTimestamp(s.last),
    count: s.count,
    description: null,
  }));
}
