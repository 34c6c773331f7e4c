import type { DestinationAction } from '../context';
import { performCreateUpdateUser } from './perform';

/** "Create & Update Users": Amplitude identifies create or update Intercom contacts. Fields: ./fields.ts. */
export const createUpdateUser: DestinationAction = {
  title: 'Create & Update Users',
  rowKind: 'identify',
  perform: performCreateUpdateUser,
};
