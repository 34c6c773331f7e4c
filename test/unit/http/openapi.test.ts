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
});
