import { describe, expect, it } from 'vitest';
import { adminOpenApiDocument } from '../../../src/http/openapi';

/** The setup page's schema helpers (an ES module served to the browser as is). */
interface SchemaModule {
  parseIssues(message: string, schema: unknown): { path: (string | number)[]; message: string }[];
  titlesAlong(schema: unknown, path: string): string[];
  choicesOf(schema: unknown): { value: string; title: string; description?: string }[];
  schemaAt(schema: unknown, path: string): any;
}
const SCHEMA_MODULE = '../../../src/http/setup/lib/schema.js';

function body(operationId: string): unknown {
  const document = adminOpenApiDocument() as any;
  for (const item of Object.values(document.paths) as any[])
    for (const operation of Object.values(item) as any[])
      if (operation.operationId === operationId) return operation.requestBody.content['application/json'].schema;
  throw new Error(operationId);
}

describe('setup page: forms from the OpenAPI document', () => {
  it('reads the API’s `path: message` errors as issues, only where the path is a field', async () => {
    const { parseIssues }: SchemaModule = await import(SCHEMA_MODULE);
    const settings = body('updateDestinationSettings');
    expect(
      parseIssues(
        'sendEvents.eventFilter.eventTypes[1]: is a user property update, not an event: use Create & Update Users instead\n' +
          'mapping.from.name: user property must not be empty',
        settings,
      ),
    ).toEqual([
      {
        path: ['sendEvents', 'eventFilter', 'eventTypes', 1],
        raw: 'sendEvents.eventFilter.eventTypes[1]',
        message: 'is a user property update, not an event: use Create & Update Users instead',
      },
      { path: ['mapping', 'from', 'name'], raw: 'mapping.from.name', message: 'user property must not be empty' },
    ]);
    const source = body('createSource');
    expect(
      parseIssues('amplitudeProjectId: letters, digits, - and _ only (1–64); amplitudeApiKey: required', source).map(
        (i) => i.path,
      ),
    ).toEqual([['amplitudeProjectId'], ['amplitudeApiKey']]);
    // Not a field: the whole message is about the request.
    expect(parseIssues('Intercom did not accept the access token (401)', body('createDestination'))).toEqual([
      { path: [], raw: '', message: 'Intercom did not accept the access token (401)' },
    ]);
    expect(parseIssues('body: Invalid input; cancelled: nothing', source)).toEqual([
      { path: [], raw: 'body', message: 'Invalid input; cancelled: nothing' },
    ]);
  });

  it('finds labels and choices in the schemas’ metadata', async () => {
    const { titlesAlong, choicesOf, schemaAt }: SchemaModule = await import(SCHEMA_MODULE);
    const settings = body('updateDestinationSettings');
    expect(titlesAlong(settings, 'sendEvents.eventFilter.eventTypes[1]')).toEqual([
      'Send Events',
      'Event filter',
      'Event types',
    ]);
    expect(titlesAlong(settings, 'mapping.from.name')).toEqual(['Mapping', 'comes from', 'Property name']);
    expect(choicesOf(schemaAt(settings, 'mapping.from'))).toEqual([
      { value: 'user_id', title: 'Amplitude User ID', description: undefined },
      { value: 'user_property', title: 'Amplitude user property', description: undefined },
      { value: 'event_property', title: 'Amplitude event property', description: undefined },
    ]);
    const source = body('configureSource');
    expect(choicesOf(schemaAt(source, 'identityMapping')).map((c) => c.title)).toEqual([
      'User ID',
      'Email (falls back to User ID)',
    ]);
    expect(choicesOf(schemaAt(body('backfill'), 'objects')).map((c) => c.title)).toEqual(['Contacts', 'Conversations']);
    expect(schemaAt(body('replaceDestinationToken'), 'intercomAccessToken')).toMatchObject({
      title: 'Intercom access token',
      format: 'password',
    });
  });
});
