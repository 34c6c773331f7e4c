import { Router } from 'express';
import { badParameter, resourceNotFound } from '../api-error';
import { workspaceOf } from '../context';
import { renderDataAttribute } from '../data-attributes';
import { queryString } from './params';

export function dataAttributeRoutes(): Router {
  const router = Router();

  router.get('/data_attributes', (req, res) => {
    const model = queryString(req, 'model');
    if (model !== undefined && model !== 'contact' && model !== 'company' && model !== 'conversation') {
      throw badParameter('model must be contact, company or conversation', 'model');
    }
    const records = workspaceOf(res).attributes.list(
      model === 'conversation' ? undefined : model,
      queryString(req, 'include_archived') === 'true',
    );
    // Conversation attributes are not modelled: that model lists as empty.
    res.json({ type: 'list', data: model === 'conversation' ? [] : records.map(renderDataAttribute) });
  });

  router.post('/data_attributes', (req, res) => {
    res.json(renderDataAttribute(workspaceOf(res).attributes.create(req.body)));
  });

  router.put('/data_attributes/:id', (req, res) => {
    const id = Number(req.params.id);
    if (!Number.isInteger(id)) throw resourceNotFound();
    res.json(renderDataAttribute(workspaceOf(res).attributes.update(id, req.body)));
  });

  return router;
}
