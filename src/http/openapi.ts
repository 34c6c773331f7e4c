import { z } from 'zod';
import { createDocument, type ZodOpenApiOperationObject, type ZodOpenApiPathsObject } from 'zod-openapi';
import { adminApi, openApiPath, type AdminRoute } from './admin-api';

const errorBody = z.object({ error: z.string() }).meta({ id: 'Error', description: 'What went wrong, in words' });
const errorResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: errorBody } },
});

function operation(operationId: string, route: AdminRoute): ZodOpenApiOperationObject {
  return {
    operationId,
    summary: route.summary,
    ...(route.description ? { description: route.description } : {}),
    ...(route.params ? { requestParams: { path: route.params } } : {}),
    ...(route.body ? { requestBody: { required: true, content: { 'application/json': { schema: route.body } } } } : {}),
    responses: {
      [route.status]: route.response
        ? { description: route.summary, content: { 'application/json': { schema: route.response } } }
        : { description: route.summary },
      400: errorResponse('The request is invalid; the message names each field and what was expected'),
      401: errorResponse('Missing or wrong admin token'),
      ...(route.params ? { 404: errorResponse('No connection with that id') } : {}),
      409: errorResponse("The connection's state or kind does not allow this"),
      503: errorResponse('A dependency (Temporal, the worker, Intercom OAuth) is not available'),
    },
  };
}

/** The admin API as an OpenAPI 3.1 document, generated from the route table's zod schemas. */
export function adminOpenApiDocument(version = '0.1.0') {
  const paths: ZodOpenApiPathsObject = {};
  for (const [name, route] of Object.entries(adminApi) as [string, AdminRoute][]) {
    const path = openApiPath(route.path);
    paths[path] = { ...paths[path], [route.method]: operation(name, route) };
  }
  return createDocument({
    openapi: '3.1.0',
    info: {
      title: 'Intercom ⇄ Amplitude connector admin API',
      version,
      description: 'Create, configure, inspect and operate connections. Every call takes the admin bearer token.',
    },
    security: [{ adminToken: [] }],
    components: { securitySchemes: { adminToken: { type: 'http', scheme: 'bearer' } } },
    paths,
  });
}
