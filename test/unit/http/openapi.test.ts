import { describe, expect, it } from 'vitest';
import { validate } from '@readme/openapi-parser';
import { adminOpenApiDocument } from '../../../src/http/openapi';
import { adminApi, backfillBody, openApiPath } from '../../../src/http/admin-api';

describe('admin API OpenAPI document', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    const document = adminOpenApiDocument();
    expect(document.openapi).toBe('3.1.0');
    const result = await validate(structuredClone(document) as never);
    expect(result.valid ? [] : result.errors).toEqual([]);
  });

  it('describes every declared route with its method, parameters and schemas', () => {
    const document = adminOpenApiDocument();
    for (const [name, route] of Object.entries(adminApi)) {
      const operation = (document.paths as Record<string, Record<string, any>>)[openApiPath(route.path)]?.[
        route.method
      ];
      expect(operation, name).toBeDefined();
      expect(operation.operationId).toBe(name);
      expect(Object.keys(operation.responses)).toContain(String(route.status));
      if ('body' in route) expect(operation.requestBody.content['application/json'].schema).toBeDefined();
      if ('params' in route) expect(operation.parameters.map((p: { name: string }) => p.name)).toEqual(['id']);
    }
  });

  it('documents the request body from the same schema that validates it', () => {
    const document = adminOpenApiDocument() as any;
    const schema = document.paths['/api/connections/{id}/backfill'].post.requestBody.content['application/json'].schema;
    expect(schema.required).toEqual(['since', 'until']);
    expect(schema.additionalProperties).toBe(false);
    // The schema accepts a date as well as a date-time, and normalises both to UTC.
    expect(backfillBody.parse({ since: '2026-10-01', until: '2026-11-01T02:00:00+02:00' })).toEqual({
      since: '2026-10-01T00:00:00.000Z',
      until: '2026-11-01T00:00:00.000Z',
    });
    expect(backfillBody.safeParse({ since: '10/01/2026', until: '2026-11-01' }).success).toBe(false);
  });

  it("carries each destination action's field labels and help, from the fields' own declarations", () => {
    const document = adminOpenApiDocument() as any;
    const patch =
      document.paths['/api/destinations/{id}/settings'].patch.requestBody.content['application/json'].schema;
    const { sendEvents, createUpdateUsers, status } = patch.properties;
    expect(sendEvents).toMatchObject({ title: 'Send Events', description: expect.any(String) });
    expect(sendEvents.properties.eventProperties).toMatchObject({
      title: 'Event properties',
      description: expect.stringContaining('metadata'),
    });
    expect(sendEvents.properties.eventFilter.properties.allEvents).toMatchObject({ title: 'All events' });
    expect(createUpdateUsers).toMatchObject({ title: 'Create & Update Users', description: expect.any(String) });
    expect(createUpdateUsers.properties.userProperties).toMatchObject({ title: 'User properties' });
    expect(status).toMatchObject({ title: 'Status', enum: ['enabled', 'disabled'] });
    // A patch names no defaults: what it leaves out stays as it is.
    expect(sendEvents.properties.enabled).not.toHaveProperty('default');
    // The full settings (the answer) carry the same labels, with their defaults.
    const settings =
      document.paths['/api/destinations/{id}/settings'].patch.responses['200'].content['application/json'].schema
        .properties.settings;
    expect(settings.properties.sendEvents.properties.enabled).toMatchObject({ title: 'Send Events', default: false });
  });
});
