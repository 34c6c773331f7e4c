import { z } from 'zod';
import { propertyList } from '../field-types';

/**
 * The fields of "Create & Update Users", declared once: type, label (`title`), help (`description`), default
 * and validation. The sync's settings schema (src/destination/settings.ts), the admin API and its OpenAPI
 * document are built from them. Zod only: workflow code validates settings with them.
 */
export const createUpdateUserFields = z
  .object({
    enabled: z.boolean().meta({ title: 'Create & Update Users' }).default(false),
    userProperties: propertyList('user property')
      .meta({
        title: 'User properties',
        description: 'Amplitude user property names, copied to Intercom contact attributes.',
      })
      .default(() => []),
  })
  .meta({ title: 'Create & Update Users', description: 'Identifies create or update Intercom contacts.' });
export type CreateUpdateUserSettings = z.infer<typeof createUpdateUserFields>;
